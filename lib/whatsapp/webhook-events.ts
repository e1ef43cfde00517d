import { createHash } from "node:crypto";
import { z } from "zod";
import { consentKeyword, type ConsentKeyword } from "../contacts/consent";
import { parseJsonForStorage } from "../http/errors";

// Turns one verified Meta webhook POST into the events we store, one per message, status or other
// change. Each event carries a stable id, so a retried or duplicated POST maps onto the same rows:
//   inbound message  -> "msg:<wamid>"
//   status           -> "status:<wamid>:<status>"
//   anything else    -> "<field>:<sha256 of entry id + value>"  (Meta gives these no id)
// Shapes: Meta's Cloud API webhook reference (shared/REFERENCE.md). Unknown shapes are kept, never
// dropped: an item we cannot read becomes an "other" event with its raw value.

export type StatusName = "sent" | "delivered" | "read" | "failed";

interface EventBase {
  eventId: string;
  /** The stored raw piece of the POST this event came from. */
  payload: Record<string, unknown>;
}

export interface InboundMessageEvent extends EventBase {
  kind: "message";
  phoneNumberId: string;
  wamid: string;
  from: string;
  profileName: string | null;
  /** Meta's timestamp of the message (seconds precision). */
  at: Date;
  type: string;
  /** Body for text, caption for media, title for interactive replies, emoji for reactions. */
  text: string | null;
  content: Record<string, unknown>;
  /** STOP/START and friends, only for text messages. */
  consent: ConsentKeyword | null;
}

export interface StatusEvent extends EventBase {
  kind: "status";
  phoneNumberId: string;
  wamid: string;
  status: StatusName;
  at: Date;
  recipientId: string | null;
  errorCode: number | null;
  errorTitle: string | null;
}

export interface OtherEvent extends EventBase {
  /** template_status (message_template_status_update), or the change's field name, or "other". */
  kind: string;
  phoneNumberId: string | null;
  wabaId: string | null;
}

export type WebhookEvent = InboundMessageEvent | StatusEvent | OtherEvent;

export function isInbound(e: WebhookEvent): e is InboundMessageEvent {
  return e.kind === "message";
}
export function isStatus(e: WebhookEvent): e is StatusEvent {
  return e.kind === "status";
}

const metaTimestamp = z.union([z.string(), z.number()]);

const envelopeSchema = z.looseObject({
  object: z.string().optional(),
  entry: z.array(
    z.looseObject({
      id: z.union([z.string(), z.number()]).optional(),
      changes: z.array(z.looseObject({ field: z.string(), value: z.unknown() })).optional(),
    }),
  ),
});

const messagesValueSchema = z.looseObject({
  metadata: z.looseObject({ phone_number_id: z.string().min(1), display_phone_number: z.string().optional() }),
  contacts: z.array(z.looseObject({ wa_id: z.string().optional(), profile: z.looseObject({ name: z.string().optional() }).optional() })).optional(),
  messages: z.array(z.unknown()).optional(),
  statuses: z.array(z.unknown()).optional(),
});

const messageSchema = z.looseObject({
  id: z.string().min(1).max(512),
  from: z.string().min(1).max(64),
  timestamp: metaTimestamp.optional(),
  type: z.string().min(1).max(64),
});

const statusSchema = z.looseObject({
  id: z.string().min(1).max(512),
  status: z.enum(["sent", "delivered", "read", "failed"]),
  timestamp: metaTimestamp.optional(),
  recipient_id: z.string().optional(),
  errors: z.array(z.looseObject({ code: z.number().optional(), title: z.string().optional() })).optional(),
});

const FIELD_KINDS: Record<string, string> = { message_template_status_update: "template_status" };

export class MalformedWebhookError extends Error {}

/**
 * Parses a POST body (already signature-checked). Throws MalformedWebhookError when the body is not
 * JSON or not a webhook envelope at all; everything inside an envelope becomes some event.
 */
export function parseWebhook(rawBody: string): WebhookEvent[] {
  let json: unknown;
  try {
    // Postgres text and jsonb cannot hold U+0000: replaced in values and keys.
    json = parseJsonForStorage(rawBody);
  } catch {
    throw new MalformedWebhookError("The request body is not valid JSON.");
  }
  const envelope = envelopeSchema.safeParse(json);
  if (!envelope.success) throw new MalformedWebhookError("The request body is not a WhatsApp webhook envelope (entry[]).");
  const events: WebhookEvent[] = [];
  const seen = new Set<string>();
  const push = (e: WebhookEvent) => {
    // One POST may repeat an item; the first copy stands for all.
    if (seen.has(e.eventId)) return;
    seen.add(e.eventId);
    events.push(e);
  };
  for (const entry of envelope.data.entry) {
    const wabaId = entry.id === undefined ? null : String(entry.id);
    for (const change of entry.changes ?? []) {
      if (change.field === "messages") {
        const value = messagesValueSchema.safeParse(change.value);
        if (value.success) {
          parseMessagesChange(value.data, wabaId, push);
          continue;
        }
      }
      push(otherEvent(FIELD_KINDS[change.field] ?? change.field, change.field, wabaId, change.value, phoneNumberIdOf(change.value)));
    }
  }
  return events;
}

function parseMessagesChange(
  value: z.infer<typeof messagesValueSchema>,
  wabaId: string | null,
  push: (e: WebhookEvent) => void,
): void {
  const metadata = value.metadata;
  const phoneNumberId = metadata.phone_number_id;
  for (const raw of value.messages ?? []) {
    const m = messageSchema.safeParse(raw);
    if (!m.success) {
      push(otherEvent("other", "messages", wabaId, { metadata, message: raw }, phoneNumberId));
      continue;
    }
    const contact = value.contacts?.find((c) => c.wa_id === m.data.from) ?? value.contacts?.[0];
    const { text, content } = normalizeMessage(m.data);
    push({
      kind: "message",
      eventId: `msg:${m.data.id}`,
      phoneNumberId,
      wamid: m.data.id,
      from: m.data.from,
      profileName: contact?.profile?.name?.slice(0, 256) ?? null,
      at: toDate(m.data.timestamp),
      type: m.data.type,
      text,
      content,
      consent: m.data.type === "text" && text !== null ? consentKeyword(text) : null,
      payload: { metadata, contact: contact ?? null, message: m.data },
    });
  }
  for (const raw of value.statuses ?? []) {
    const s = statusSchema.safeParse(raw);
    if (!s.success) {
      push(otherEvent("other", "messages", wabaId, { metadata, status: raw }, phoneNumberId));
      continue;
    }
    const error = s.data.errors?.[0];
    push({
      kind: "status",
      eventId: `status:${s.data.id}:${s.data.status}`,
      phoneNumberId,
      wamid: s.data.id,
      status: s.data.status,
      at: toDate(s.data.timestamp),
      recipientId: s.data.recipient_id ?? null,
      errorCode: s.data.status === "failed" ? (error?.code ?? null) : null,
      errorTitle: s.data.status === "failed" ? (error?.title?.slice(0, 512) ?? null) : null,
      payload: { metadata, status: s.data },
    });
  }
  // A change-level errors[] (Meta could not deliver something to us) has no id of its own.
  const rest = { ...value } as Record<string, unknown>;
  delete rest.messages;
  delete rest.statuses;
  delete rest.contacts;
  if (Array.isArray(rest.errors) && rest.errors.length) push(otherEvent("errors", "messages", wabaId, rest, phoneNumberId));
}

function otherEvent(kind: string, field: string, wabaId: string | null, value: unknown, phoneNumberId: string | null): OtherEvent {
  const hash = createHash("sha256").update(`${wabaId ?? ""}\n${JSON.stringify(value) ?? "null"}`).digest("hex");
  return {
    kind: kind.slice(0, 64),
    eventId: `${field.slice(0, 64)}:${hash}`,
    phoneNumberId,
    wabaId,
    payload: { entry_id: wabaId, field, value: value ?? null },
  };
}

function phoneNumberIdOf(value: unknown): string | null {
  const id = (value as { metadata?: { phone_number_id?: unknown } } | null)?.metadata?.phone_number_id;
  return typeof id === "string" && id ? id : null;
}

function toDate(ts: string | number | undefined): Date {
  const seconds = Number(ts);
  return Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000) : new Date();
}

const MEDIA_TYPES = new Set(["image", "video", "audio", "document", "sticker"]);

const str = (v: unknown): string | null => (typeof v === "string" ? v : null);

/**
 * The columns we keep for an inbound message: `text` (what a person reads in the inbox) and
 * `content` (everything else, typed by message type). Types we do not know keep their whole object.
 */
export function normalizeMessage(m: Record<string, unknown> & { type: string }): {
  text: string | null;
  content: Record<string, unknown>;
} {
  const body = (m[m.type] ?? null) as Record<string, unknown> | null;
  const extras: Record<string, unknown> = {};
  if (m.context) extras.context = m.context;
  if (m.referral) extras.referral = m.referral;
  if (m.errors) extras.errors = m.errors;
  if (m.type === "text") {
    return { text: str(body?.body), content: extras };
  }
  if (MEDIA_TYPES.has(m.type) && body) {
    const media = {
      id: str(body.id),
      mime_type: str(body.mime_type),
      sha256: str(body.sha256),
      caption: str(body.caption),
      filename: str(body.filename),
      ...(typeof body.voice === "boolean" ? { voice: body.voice } : {}),
      ...(typeof body.animated === "boolean" ? { animated: body.animated } : {}),
    };
    return { text: media.caption, content: { ...extras, media } };
  }
  if (m.type === "location" && body) {
    return { text: str(body.name) ?? str(body.address), content: { ...extras, location: body } };
  }
  if (m.type === "interactive" && body) {
    const kind = str(body.type);
    const reply = kind ? ((body[kind] ?? null) as Record<string, unknown> | null) : null;
    return {
      text: str(reply?.title),
      content: { ...extras, interactive: { type: kind, id: str(reply?.id), title: str(reply?.title), description: str(reply?.description) } },
    };
  }
  if (m.type === "button" && body) {
    // A quick-reply button on a template we sent.
    return { text: str(body.text), content: { ...extras, button: body } };
  }
  if (m.type === "reaction" && body) {
    return { text: str(body.emoji), content: { ...extras, reaction: { message_id: str(body.message_id), emoji: str(body.emoji) } } };
  }
  const raw = { ...m } as Record<string, unknown>;
  delete raw.from;
  delete raw.id;
  delete raw.timestamp;
  return { text: null, content: { raw } };
}
