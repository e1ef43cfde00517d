import { markTokenExpired } from "../channels/channels";
import { consentKeyword } from "../contacts/consent";
import { withService, type Db } from "../db/tx";
import { ApiError } from "../http/errors";
import type { PeriodicJob } from "../jobs/registry";
import { logger } from "../log";
import { planAutoReply, type AutoReplySend } from "../automations/auto-reply";
import { enabledRulesByOrg } from "../automations/rules";
import { sendAutoReply } from "../automations/send-port";
import { applyTemplateStatus } from "../templates/templates";
import { refund, references } from "../wallet/wallet";
import { classifyFailure, isTokenError } from "./errors";

// The slow half of the Meta webhook: statuses (forward only), refunds for failed sends, and
// auto-replies. Runs on events webhook-receive.ts stored, claimed with FOR UPDATE SKIP LOCKED in
// one transaction that also sets processed_at — so each event is handled by one processor at a
// time, and a status transition, its refund and the processed mark commit together or not at all.
//
// Two callers: the route kicks the events it just stored, in this process, after answering Meta
// (kickWebhookProcessing); the worker's sweep (webhookSweepJob) picks up whatever that missed —
// the process died, the database hiccuped, or a status came before the send pipeline stored its
// wamid. Auto-replies cannot be inside that transaction (sendMessage has its own); a repeat after a
// crash is harmless because messages.reply_to_message_id is unique: the second call sends and
// charges nothing.

const log = logger.child({ component: "webhook-process" });

/** After this many attempts an event is marked processed with its last error (no endless retries). */
export const MAX_ATTEMPTS = 10;
/** Events claimed per transaction. */
export const BATCH_SIZE = 100;

interface Claimed {
  id: number;
  kind: string;
  org_id: string | null;
  payload: Record<string, unknown>;
  attempts: number;
  received_at: Date;
}

interface Outcome {
  id: number;
  /** false = try again later (with backoff), unless attempts are used up. */
  done: boolean;
  note: string | null;
}

export interface ProcessOptions {
  /** Only these events (the in-process kick); otherwise any due event, oldest first (the sweep). */
  ids?: number[];
  limit?: number;
  /** Only events of these organizations (a sweep scoped to some tenants, e.g. for one of them after an incident). */
  orgIds?: string[];
  /** The send pipeline; injectable for unit tests. */
  send?: AutoReplySend;
}

const CLAIM_BY_IDS = `
  select id, kind, org_id, payload, attempts, received_at from public.webhook_events
  where id = any($1::bigint[]) and processed_at is null and source = 'meta'
  order by id limit $2 for update skip locked`;

const CLAIM_DUE = `
  select id, kind, org_id, payload, attempts, received_at from public.webhook_events
  where processed_at is null and source = 'meta' and coalesce(next_attempt_at, received_at) <= now()
    and ($2::uuid[] is null or org_id = any($2::uuid[]))
  order by received_at, id limit $1 for update skip locked`;

/**
 * Claims and processes one batch of events; returns how many it handled (0 = nothing due).
 * If the batch's transaction fails (a database error on one event), each of its events is retried
 * alone, so one bad event cannot hold up the others, and its failure is counted against it.
 */
export async function processWebhookEvents(opts: ProcessOptions = {}): Promise<number> {
  try {
    return await processBatch(opts);
  } catch (err) {
    if (opts.ids?.length === 1) {
      await recordFailure(opts.ids[0], err as Error);
      return 1;
    }
    log.warn({ err: (err as Error).message }, "webhook batch failed; processing its events one by one");
    const ids = opts.ids ?? (await dueIds(opts));
    let n = 0;
    for (const id of ids) n += await processWebhookEvents({ ...opts, ids: [id] });
    return n;
  }
}

async function dueIds(opts: ProcessOptions): Promise<number[]> {
  return withService(async (db) => {
    const { rows } = await db.query<{ id: number }>(CLAIM_DUE, [opts.limit ?? BATCH_SIZE, opts.orgIds ?? null]);
    return rows.map((r) => r.id);
  });
}

async function recordFailure(id: number, err: Error): Promise<void> {
  log.error({ eventId: id, err: err.message }, "webhook event failed");
  await withService((db) =>
    db.query(
      `update public.webhook_events set attempts = attempts + 1, last_error = $2,
         processed_at = case when attempts + 1 >= $3 then now() end,
         next_attempt_at = now() + make_interval(secs => least(600, power(2, attempts + 1)))
       where id = $1 and processed_at is null`,
      [id, `failed: ${err.message}`.slice(0, 500), MAX_ATTEMPTS],
    ),
  ).catch(() => undefined);
}

async function processBatch(opts: ProcessOptions): Promise<number> {
  const limit = opts.limit ?? BATCH_SIZE;
  const send = opts.send ?? sendAutoReply;
  return withService(async (db) => {
    const { rows } = opts.ids
      ? await db.query<Claimed>({ name: "webhook_claim_ids", text: CLAIM_BY_IDS, values: [opts.ids, limit] })
      : await db.query<Claimed>({ name: "webhook_claim_due", text: CLAIM_DUE, values: [limit, opts.orgIds ?? null] });
    if (!rows.length) return 0;
    const outcomes: Outcome[] = [];
    // Auto-replies first: this transaction then holds no lock another transaction (the send's wallet
    // debit) could wait on while we wait for the send. Statuses and refunds come after.
    outcomes.push(...(await handleInbound(db, rows.filter((r) => r.kind === "message"), send)));
    for (const ev of rows.filter((r) => r.kind === "status")) outcomes.push(await handleStatus(db, ev));
    for (const ev of rows.filter((r) => r.kind === "template_status")) outcomes.push(await handleTemplateStatus(db, ev));
    for (const ev of rows.filter((r) => r.kind !== "message" && r.kind !== "status" && r.kind !== "template_status")) {
      outcomes.push({ id: ev.id, done: true, note: null });
    }
    await db.query({
      name: "webhook_mark",
      text: `update public.webhook_events e set
         attempts = e.attempts + 1,
         last_error = u.note,
         processed_at = case when u.done or e.attempts + 1 >= $4 then now() end,
         next_attempt_at = case when u.done then null
                                else now() + make_interval(secs => least(600, power(2, e.attempts + 1))) end
       from unnest($1::bigint[], $2::boolean[], $3::text[]) as u(id, done, note)
       where e.id = u.id`,
      values: [outcomes.map((o) => o.id), outcomes.map((o) => o.done), outcomes.map((o) => o.note?.slice(0, 500) ?? null), MAX_ATTEMPTS],
    });
    return rows.length;
  });
}

interface InboundRow {
  id: string;
  org_id: string;
  channel_id: string | null;
  type: string;
  text: string | null;
  wamid: string;
  wa_id: string | null;
  opted_out: boolean | null;
}

async function handleInbound(db: Db, events: Claimed[], send: AutoReplySend): Promise<Outcome[]> {
  if (!events.length) return [];
  const wamidOf = (e: Claimed) => String((e.payload.message as { id?: unknown } | undefined)?.id ?? "");
  const { rows } = await db.query<InboundRow>(
    `select m.id, m.org_id, m.channel_id, m.type, m.text, m.wamid, c.wa_id, c.opted_out
     from public.messages m left join public.contacts c on c.id = m.contact_id
     where m.wamid = any($1::text[]) and m.direction = 'inbound'`,
    [events.map(wamidOf)],
  );
  const byWamid = new Map(rows.map((r) => [r.wamid, r]));
  const rules = await enabledRulesByOrg(db, [...new Set(rows.filter((r) => r.type === "text").map((r) => r.org_id))]);
  const outcomes: Outcome[] = [];
  for (const ev of events) {
    const m = byWamid.get(wamidOf(ev));
    if (!m || !m.wa_id) {
      outcomes.push({ id: ev.id, done: true, note: "inbound message not found" });
      continue;
    }
    const ts = Number((ev.payload.message as { timestamp?: unknown }).timestamp);
    const plan = planAutoReply(
      {
        id: m.id,
        orgId: m.org_id,
        channelId: m.channel_id,
        type: m.type,
        text: m.text,
        at: Number.isFinite(ts) && ts > 0 ? new Date(ts * 1000) : new Date(),
        contactWaId: m.wa_id,
        contactOptedOut: m.opted_out === true,
        isConsentKeyword: m.text !== null && consentKeyword(m.text) !== null,
      },
      rules.get(m.org_id) ?? [],
    );
    if (!plan.send) {
      outcomes.push({ id: ev.id, done: true, note: null });
      continue;
    }
    try {
      await send(plan.input);
      outcomes.push({ id: ev.id, done: true, note: null });
    } catch (err) {
      if (err instanceof ApiError && err.status < 500) {
        // Refused for a reason retrying will not fix (no balance, channel gone, ...): record it.
        log.info({ messageId: m.id, code: err.code }, "auto-reply refused");
        outcomes.push({ id: ev.id, done: true, note: `auto-reply refused: ${err.code}: ${err.message}` });
      } else {
        log.warn({ messageId: m.id, err: (err as Error).message }, "auto-reply failed; will retry");
        outcomes.push({ id: ev.id, done: false, note: `auto-reply failed: ${(err as Error).message}` });
      }
    }
  }
  return outcomes;
}

interface StatusPayload {
  id: string;
  status: "sent" | "delivered" | "read" | "failed";
  timestamp?: string | number;
  errors?: Array<{ code?: number; title?: string }>;
}

const STATUS_SQL = `
  with target as (
    select id, status from public.messages
    where wamid = $1 and org_id = $6 and direction = 'outbound'
    for update
  ),
  moved as (
    update public.messages m set
      status = $2,
      sent_at = case when $2 = 'sent' then coalesce(m.sent_at, $3) else m.sent_at end,
      delivered_at = case when $2 = 'delivered' then coalesce(m.delivered_at, $3) else m.delivered_at end,
      read_at = case when $2 = 'read' then coalesce(m.read_at, $3) else m.read_at end,
      failed_at = case when $2 = 'failed' then $3 else m.failed_at end,
      error_code = case when $2 = 'failed' then $4 else m.error_code end,
      error_title = case when $2 = 'failed' then $5 else m.error_title end,
      updated_at = now()
    from target t
    where m.id = t.id and t.status <> 'failed'
      and private.message_status_rank(t.status) < private.message_status_rank($2)
    returning m.id, m.channel_id
  )
  select t.id, (select count(*) from moved)::int as moved, (select channel_id from moved) as channel_id
  from target t`;

/**
 * Moves one outbound message forward (never back; see private.message_status_rank for why a
 * failed after delivered is ignored) in one conditional UPDATE — one round trip, which also says
 * whether the message exists. Only the UPDATE that performs the transition to failed refunds,
 * and the refund itself is idempotent by the debit's reference.
 */
async function handleStatus(db: Db, ev: Claimed): Promise<Outcome> {
  const s = ev.payload.status as StatusPayload;
  const seconds = Number(s.timestamp);
  const at = Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000) : new Date();
  const error = s.status === "failed" ? s.errors?.[0] : undefined;
  const { rows } = await db.query<{ id: string; moved: number; channel_id: string | null }>({
    name: "webhook_status",
    text: STATUS_SQL,
    values: [s.id, s.status, at, error?.code ?? null, error?.title ?? null, ev.org_id],
  });
  // A status can overtake the send pipeline storing the wamid: try again later.
  if (!rows[0]) return { id: ev.id, done: false, note: "no message with this wamid (yet)" };
  const moved = rows[0];
  if (moved.moved && s.status === "failed") {
    if (classifyFailure({ code: error?.code }) === "refundable") {
      const r = await refund(db, {
        debitReference: references.messageDebit(moved.id),
        description: `Refund: ${error?.title ?? "message failed"}${error?.code !== undefined ? ` (${error.code})` : ""}`,
      });
      if (r.status === "applied" || r.status === "duplicate") {
        await db.query("update public.messages set refunded = true where id = $1", [moved.id]);
      }
    }
    if (isTokenError(error?.code) && moved.channel_id) {
      await markTokenExpired(db, moved.channel_id);
    }
  }
  return { id: ev.id, done: true, note: null };
}

/**
 * message_template_status_update: the template's new status (and rejection reason), unless the row
 * already holds a newer one (a sync or a later event; ordered by when the event reached us). A
 * template we do not know yet may be one whose create call has not stored its row: tried a few
 * times, then left to the next sync.
 */
async function handleTemplateStatus(db: Db, ev: Claimed): Promise<Outcome> {
  if (!ev.org_id) return { id: ev.id, done: true, note: "unrouted" };
  const value = (ev.payload.value ?? {}) as Record<string, unknown>;
  const result = await applyTemplateStatus(db, ev.org_id, value, new Date(ev.received_at));
  if (result === "unknown_template") {
    return { id: ev.id, done: ev.attempts + 1 >= 3, note: "no template with this message_template_id (yet)" };
  }
  return { id: ev.id, done: true, note: result === "applied" ? null : `template status ${result}` };
}

/** Processes every due event, batch after batch, until none is left (or `max` is reached). */
export async function sweepWebhookEvents(
  opts: { send?: AutoReplySend; max?: number; orgIds?: string[]; batchSize?: number } = {},
): Promise<number> {
  const max = opts.max ?? 5_000;
  const limit = opts.batchSize ?? BATCH_SIZE;
  let total = 0;
  while (total < max) {
    const n = await processWebhookEvents({ send: opts.send, orgIds: opts.orgIds, limit });
    total += n;
    if (n < limit) break;
  }
  return total;
}

export const webhookSweepJob: PeriodicJob = {
  name: "webhook-events",
  intervalMs: 2_000,
  run: () => sweepWebhookEvents(),
};

// In-process kick: the route hands over the ids it just stored; one drain loop per process
// processes them in batches right after the responses went out. It waits a moment for a batch to
// fill (one claim transaction per event would cost more than the event's own storing), so
// auto-replies leave at most GATHER_MS later. Losing this queue (crash, deploy) loses nothing: the
// events stay unprocessed in the database for the sweep.
const queue = new Set<number>();
let draining = false;
/** Beyond this the kick stops queueing and leaves the rest to the sweep (bounded memory). */
const MAX_QUEUED = 20_000;
export const GATHER_MS = 20;

export function kickWebhookProcessing(ids: number[], send?: AutoReplySend): void {
  for (const id of ids) if (queue.size < MAX_QUEUED) queue.add(id);
  if (draining || !queue.size) return;
  draining = true;
  void drain(send);
}

async function drain(send?: AutoReplySend): Promise<void> {
  try {
    while (queue.size) {
      if (queue.size < BATCH_SIZE) await new Promise((r) => setTimeout(r, GATHER_MS));
      const batch = [...queue].slice(0, BATCH_SIZE);
      for (const id of batch) queue.delete(id);
      await processWebhookEvents({ ids: batch, send }).catch((err: unknown) => {
        log.warn({ err: (err as Error).message, events: batch.length }, "in-process webhook processing failed; the sweep will retry");
      });
    }
  } finally {
    draining = false;
  }
}
