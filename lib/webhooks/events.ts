import type { Db } from "../db/tx";

// The events tenants can subscribe to, their payloads, and emitEvent: the one call other services
// make. The shapes here are the public contract of our outbound webhooks; add fields, never
// rename or remove them.

export const WEBHOOK_EVENT_TYPES = ["message.received", "message.status", "wallet.low_balance"] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
/** Sent on request to one endpoint ("Send test event"); not subscribable. */
export const TEST_EVENT_TYPE = "webhook.test";

export interface MessageReceivedData {
  /** Our message id (public.messages.id). */
  message_id: string;
  /** WhatsApp's id for the message (wamid...). */
  wamid: string;
  channel_id: string | null;
  contact_id: string | null;
  /** The customer's WhatsApp id (their number, digits only). */
  from: string;
  /** The customer's WhatsApp profile name, when Meta sent it. */
  profile_name: string | null;
  /** text, image, document, audio, video, location, interactive, button, ... */
  type: string;
  /** The text (or caption) when there is one. */
  text: string | null;
  /** The message object as Meta sent it, minus nothing (media ids, locations, replies...). */
  content: Record<string, unknown>;
  /** When WhatsApp says it was sent, ISO 8601. */
  timestamp: string;
}

export interface MessageStatusData {
  message_id: string;
  wamid: string;
  channel_id: string | null;
  /** The customer the message went to (digits only). */
  recipient: string | null;
  status: "sent" | "delivered" | "read" | "failed";
  /** When WhatsApp reports the transition, ISO 8601. */
  timestamp: string;
  /** For failed: Meta's error code and title. */
  error: { code: number | null; title: string | null } | null;
  /** For failed messages: whether our service fee was refunded to the wallet. */
  refunded?: boolean;
}

export interface WalletLowBalanceData {
  balance_paise: number;
  threshold_paise: number;
  /** The ledger entry that took the balance under the threshold. */
  transaction_id: number;
  notification_id: number;
}

export interface WebhookEventDataMap {
  "message.received": MessageReceivedData;
  "message.status": MessageStatusData;
  "wallet.low_balance": WalletLowBalanceData;
}

export type WebhookEvent = {
  [T in WebhookEventType]: { orgId: string; type: T; id: string; data: WebhookEventDataMap[T] };
}[WebhookEventType];

/**
 * Event ids, in one place so every path names "the same event" the same way. An id must be stable:
 * emitting it again (a webhook retried by Meta, a job run twice) must produce the same id, which
 * is what makes emitEvent idempotent. Receivers see it as X-Webhook-Id and deduplicate on it.
 */
export const eventIds = {
  messageReceived: (wamid: string) => `message.received:${wamid}`,
  /** One event per status a message reaches (a repeated "delivered" from Meta is one event). */
  messageStatus: (wamid: string, status: MessageStatusData["status"]) => `message.status:${wamid}:${status}`,
  /** Emitted by the database itself (trigger on notifications), listed here for reference. */
  walletLowBalance: (transactionId: number) => `wallet.low_balance:${transactionId}`,
};

/**
 * Records the event for delivery to every enabled endpoint of the organization subscribed to its
 * type, inside the caller's transaction (outbox): it commits or rolls back with the change that
 * caused it, and the delivery worker sends it after commit. Idempotent by (endpoint, event id).
 * One statement, one index lookup when the organization has no endpoints: safe on hot paths.
 * Returns how many deliveries were queued (0 when none subscribe or it was already recorded).
 * `db` must be a service-role transaction (withService); org_id must come from verified data.
 */
export async function emitEvent(db: Db, event: WebhookEvent): Promise<number> {
  // A named statement: parsed and planned once per connection, not on every event.
  const r = await db.query({
    name: "webhooks.emit_event",
    text: `insert into public.webhook_deliveries (org_id, endpoint_id, event_id, event_type, payload)
           select e.org_id, e.id, $2, $3, $4::jsonb from public.webhook_endpoints e
            where e.org_id = $1 and e.enabled and $3 = any (e.events)
           on conflict (endpoint_id, event_id) do nothing`,
    values: [event.orgId, event.id, event.type, JSON.stringify(event.data)],
  });
  return r.rowCount ?? 0;
}
