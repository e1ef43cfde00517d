// Builders for webhook payloads in Meta's documented shape (see shared/REFERENCE.md). The sandbox
// Graph API uses them to call our webhook, and tests use them as fixtures.

export interface Metadata {
  phoneNumberId: string;
  displayPhoneNumber: string;
  wabaId?: string;
}

function envelope(meta: Metadata, value: Record<string, unknown>) {
  return {
    object: "whatsapp_business_account",
    entry: [
      {
        id: meta.wabaId ?? "sandbox-waba",
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: meta.displayPhoneNumber, phone_number_id: meta.phoneNumberId },
              ...value,
            },
          },
        ],
      },
    ],
  };
}

const ts = (d = new Date()) => String(Math.floor(d.getTime() / 1000));

export function inboundTextPayload(
  meta: Metadata,
  msg: { from: string; wamid: string; text: string; profileName?: string; at?: Date },
) {
  return envelope(meta, {
    contacts: [{ profile: { name: msg.profileName ?? msg.from }, wa_id: msg.from }],
    messages: [{ from: msg.from, id: msg.wamid, timestamp: ts(msg.at), type: "text", text: { body: msg.text } }],
  });
}

export type StatusName = "sent" | "delivered" | "read" | "failed";

export function statusPayload(
  meta: Metadata,
  s: {
    wamid: string;
    recipientId: string;
    status: StatusName;
    at?: Date;
    error?: { code: number; title: string; message?: string; details?: string };
  },
) {
  return envelope(meta, {
    statuses: [
      {
        id: s.wamid,
        status: s.status,
        timestamp: ts(s.at),
        recipient_id: s.recipientId,
        ...(s.status === "failed"
          ? {
              errors: [
                {
                  code: s.error?.code ?? 131026,
                  title: s.error?.title ?? "Message undeliverable",
                  ...(s.error?.message ? { message: s.error.message } : {}),
                  ...(s.error?.details ? { error_data: { details: s.error.details } } : {}),
                },
              ],
            }
          : { pricing: { billable: true, pricing_model: "PMP", category: "utility", type: "regular" } }),
      },
    ],
  });
}

/** Any inbound message type: `fields` is the type's own object plus extras (e.g. context). */
export function inboundMessagePayload(
  meta: Metadata,
  msg: { from: string; wamid: string; type: string; fields: Record<string, unknown>; profileName?: string; at?: Date },
) {
  return envelope(meta, {
    contacts: [{ profile: { name: msg.profileName ?? msg.from }, wa_id: msg.from }],
    messages: [{ from: msg.from, id: msg.wamid, timestamp: ts(msg.at), type: msg.type, ...msg.fields }],
  });
}

type Inbound = { from: string; wamid: string; profileName?: string; at?: Date };

export function inboundImagePayload(
  meta: Metadata,
  msg: Inbound & { mediaId: string; mimeType?: string; sha256?: string; caption?: string },
) {
  return inboundMessagePayload(meta, {
    ...msg,
    type: "image",
    fields: {
      image: {
        id: msg.mediaId,
        mime_type: msg.mimeType ?? "image/jpeg",
        sha256: msg.sha256 ?? "c0ffee",
        ...(msg.caption !== undefined ? { caption: msg.caption } : {}),
      },
    },
  });
}

export function inboundLocationPayload(
  meta: Metadata,
  msg: Inbound & { latitude: number; longitude: number; name?: string; address?: string },
) {
  return inboundMessagePayload(meta, {
    ...msg,
    type: "location",
    fields: {
      location: {
        latitude: msg.latitude,
        longitude: msg.longitude,
        ...(msg.name ? { name: msg.name } : {}),
        ...(msg.address ? { address: msg.address } : {}),
      },
    },
  });
}

/** A tap on a reply button or a list row of an interactive message we sent (context = that message). */
export function inboundInteractivePayload(
  meta: Metadata,
  msg: Inbound & { reply: "button_reply" | "list_reply"; id: string; title: string; description?: string; contextWamid?: string },
) {
  const reply = { id: msg.id, title: msg.title, ...(msg.description ? { description: msg.description } : {}) };
  return inboundMessagePayload(meta, {
    ...msg,
    type: "interactive",
    fields: {
      ...(msg.contextWamid ? { context: { from: meta.displayPhoneNumber.replace(/\D/g, ""), id: msg.contextWamid } } : {}),
      interactive: { type: msg.reply, [msg.reply]: reply },
    },
  });
}

/** A reaction to a message; an empty emoji removes the reaction. */
export function inboundReactionPayload(meta: Metadata, msg: Inbound & { reactedWamid: string; emoji: string }) {
  return inboundMessagePayload(meta, {
    ...msg,
    type: "reaction",
    fields: { reaction: { message_id: msg.reactedWamid, emoji: msg.emoji } },
  });
}

/** field message_template_status_update: entry.id is the WABA; there is no phone number. */
export function templateStatusPayload(t: {
  wabaId: string;
  templateId: string;
  name: string;
  language?: string;
  event: "APPROVED" | "REJECTED" | "PENDING" | "PAUSED" | "DISABLED" | "FLAGGED" | "PENDING_DELETION";
  reason?: string;
  at?: Date;
}) {
  return {
    object: "whatsapp_business_account",
    entry: [
      {
        id: t.wabaId,
        time: Number(ts(t.at)),
        changes: [
          {
            field: "message_template_status_update",
            value: {
              event: t.event,
              message_template_id: t.templateId,
              message_template_name: t.name,
              message_template_language: t.language ?? "en_US",
              reason: t.reason ?? "NONE",
            },
          },
        ],
      },
    ],
  };
}

/** Any other field (account_update, user_preferences, ...) with a value of the caller's choosing. */
export function fieldPayload(wabaId: string, field: string, value: Record<string, unknown>) {
  return { object: "whatsapp_business_account", entry: [{ id: wabaId, time: Number(ts()), changes: [{ field, value }] }] };
}

type Envelope = { object: string; entry: Array<{ id: string; changes: unknown[] } & Record<string, unknown>> };

/** Several payloads as one POST: each payload's entries become entries of one envelope. */
export function combineEntries(...payloads: Envelope[]): Envelope {
  return { object: "whatsapp_business_account", entry: payloads.flatMap((p) => p.entry) };
}

/** Several payloads as one entry with several changes (Meta does this for one WABA). */
export function combineChanges(...payloads: Envelope[]): Envelope {
  const first = payloads[0]?.entry[0];
  return {
    object: "whatsapp_business_account",
    entry: [{ ...(first ?? { id: "sandbox-waba" }), changes: payloads.flatMap((p) => p.entry.flatMap((e) => e.changes)) }],
  };
}
