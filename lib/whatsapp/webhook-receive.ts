import { getPool } from "../db/pool";
import { ApiError } from "../http/errors";
import { logger } from "../log";
import { MalformedWebhookError, parseWebhook, type WebhookEvent } from "./webhook-events";

// The fast half of the Meta webhook: after the route has checked the signature, store every event
// of the POST — and the inbound messages and their contacts — in ONE statement, then answer.
// Statuses, refunds and auto-replies happen afterwards (webhook-process.ts).
//
// Idempotence: webhook_events is unique on (source, event_id) and the statement inserts contacts
// and messages only for events it inserted itself, so a retried or concurrent duplicate POST
// writes nothing (ON CONFLICT DO NOTHING; the loser waits on the unique index, then skips).
// Rows go in sorted by their keys so that two POSTs sharing events cannot deadlock.

export interface ReceiveResult {
  /** Events in the POST. */
  events: number;
  /** Of those, new here (not seen before). */
  stored: number;
  /** New events that still need processing (statuses, inbound messages), for the in-process kick. */
  pendingIds: number[];
}

// The statement lives in private.ingest_meta_events (supabase/migrations/*_webhook_ingest.sql):
// input rows routed to their organization by phone_number_id (or, for fields without one, by WABA);
// events inserted ON CONFLICT DO NOTHING; for the events inserted here, the contacts upserted
// (profile name, last_inbound_at = the newest message, STOP/START applied only when at least as new
// as the last keyword applied) and the messages inserted ON CONFLICT (wamid) DO NOTHING.
// sent/delivered/read statuses are applied to their messages in the same statement (forward only,
// the highest of the POST per message). Events that need nothing more are stored processed:
// unrouted ones (with the reason in last_error), other fields, applied or stale statuses, and
// inbound messages of organizations without an enabled auto-reply rule.
const INGEST = "select id, event_id, org_id, pending from private.ingest_meta_events($1::jsonb)";

function toRow(e: WebhookEvent) {
  const base = { event_id: e.eventId, kind: e.kind, phone_number_id: e.phoneNumberId, payload: e.payload };
  if (e.kind === "message" && "from" in e) {
    return {
      ...base,
      waba_id: null,
      wamid: e.wamid,
      wa_id: e.from,
      profile_name: e.profileName,
      at: e.at.toISOString(),
      msg_type: e.type,
      body: e.text,
      content: e.content,
      consent: e.consent,
    };
  }
  if (e.kind === "status" && "status" in e) {
    return { ...base, waba_id: null, wamid: e.wamid, at: e.at.toISOString(), status: e.status };
  }
  return { ...base, waba_id: "wabaId" in e ? e.wabaId : null };
}

/** Parses and stores one verified POST. Throws ApiError 400 when the body is not a webhook. */
export async function receiveWebhook(rawBody: string): Promise<ReceiveResult> {
  let events: WebhookEvent[];
  try {
    events = parseWebhook(rawBody);
  } catch (err) {
    if (err instanceof MalformedWebhookError) throw new ApiError(400, "malformed_webhook", err.message);
    throw err;
  }
  if (!events.length) return { events: 0, stored: 0, pendingIds: [] };
  // One round trip in autocommit: the function switches to service_role itself and commits with
  // the statement, so an answer from here means every event of the POST is durably stored.
  const { rows } = await getPool().query<{ id: number; event_id: string; org_id: string | null; pending: boolean }>({
    name: "webhook_ingest",
    text: INGEST,
    values: [JSON.stringify(events.map(toRow))],
  });
  const unrouted = rows.filter((r) => r.org_id === null);
  if (unrouted.length) {
    const byId = new Map(events.map((e) => [e.eventId, e]));
    const where = (e: WebhookEvent | undefined) =>
      e?.phoneNumberId ?? `waba:${(e && "wabaId" in e && e.wabaId) || "unknown"}`;
    const numbers = [...new Set(unrouted.map((r) => where(byId.get(r.event_id))))];
    logger.warn({ component: "webhook", numbers, events: unrouted.length }, "webhook events for an unknown phone number acknowledged");
  }
  return { events: events.length, stored: rows.length, pendingIds: rows.filter((r) => r.pending).map((r) => r.id) };
}
