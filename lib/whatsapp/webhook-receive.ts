import { servicePrepared } from "../db/service-query";
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

type Row = ReturnType<typeof toRow>;
type Stored = { id: number; event_id: string; org_id: string | null; pending: boolean };

// Group commit in the app: POSTs that arrive while the database is busy are stored together, in
// one call of the ingest function (one statement, one commit, one WAL flush), and each is answered
// when that commit is done. Meta sends one message or status per POST most of the time, so under
// load this is where most of the per-POST database cost goes. An idle server flushes at once (no
// added latency); at most MAX_IN_FLIGHT calls run at a time, and whatever arrives meanwhile waits
// for the next. A failed combined call is retried POST by POST, so one bad POST fails only itself.
const MAX_IN_FLIGHT = 4;
const MAX_BATCH_EVENTS = 1_000;
const waiting: Array<{ rows: Row[]; resolve: (r: Stored[]) => void; reject: (e: unknown) => void }> = [];
let inFlight = 0;

function ingest(rows: Row[]): Promise<Stored[]> {
  return new Promise((resolve, reject) => {
    waiting.push({ rows, resolve, reject });
    if (inFlight < MAX_IN_FLIGHT) flushSoon();
  });
}

let flushScheduled = false;
function flushSoon(): void {
  if (flushScheduled) return;
  flushScheduled = true;
  // After the current turn of the event loop, so requests read in the same turn go together.
  setImmediate(() => {
    flushScheduled = false;
    while (waiting.length && inFlight < MAX_IN_FLIGHT) void flush();
  });
}

async function flush(): Promise<void> {
  const jobs: typeof waiting = [];
  let size = 0;
  while (waiting.length && (jobs.length === 0 || size + waiting[0].rows.length <= MAX_BATCH_EVENTS)) {
    const job = waiting.shift()!;
    jobs.push(job);
    size += job.rows.length;
  }
  inFlight++;
  try {
    await storeTogether(jobs);
  } finally {
    inFlight--;
    if (waiting.length) flushSoon();
  }
}

async function storeTogether(jobs: typeof waiting): Promise<void> {
  const unique = new Map<string, Row>();
  for (const job of jobs) for (const r of job.rows) if (!unique.has(r.event_id)) unique.set(r.event_id, r);
  try {
    // One round trip in autocommit, as service_role: when it answers, every event is durably stored.
    const { rows } = await servicePrepared<Stored>("webhook_ingest", INGEST, [JSON.stringify([...unique.values()])]);
    const byEventId = new Map(rows.map((r) => [r.event_id, r]));
    for (const job of jobs) job.resolve(job.rows.flatMap((r) => byEventId.get(r.event_id) ?? []));
  } catch (err) {
    if (jobs.length === 1) return jobs[0].reject(err);
    for (const job of jobs) await storeTogether([job]);
  }
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
  const rows = await ingest(events.map(toRow));
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
