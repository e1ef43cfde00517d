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
  s: { wamid: string; recipientId: string; status: StatusName; at?: Date; error?: { code: number; title: string } },
) {
  return envelope(meta, {
    statuses: [
      {
        id: s.wamid,
        status: s.status,
        timestamp: ts(s.at),
        recipient_id: s.recipientId,
        ...(s.status === "failed"
          ? { errors: [{ code: s.error?.code ?? 131026, title: s.error?.title ?? "Message undeliverable" }] }
          : { pricing: { billable: true, pricing_model: "PMP", category: "utility", type: "regular" } }),
      },
    ],
  });
}
