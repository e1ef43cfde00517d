import { randomUUID } from "node:crypto";
import { env } from "../config/env";
import { retryTransient } from "../db/retry";
import { serviceQuery } from "../db/service-query";
import { withService } from "../db/tx";
import { ApiError } from "../http/errors";
import { logger } from "../log";
import { sendMessage, type SendResult } from "../messaging/send";
import { channelPace } from "./pace";
import { templateMessage } from "./variables";

// The campaign runner: one slice of one campaign, run by a "campaign-run" job in the worker.
//
//   lease     the campaign row names the worker running it (lease_owner, lease_until, renewed every
//             batch). Taking over an expired lease puts back the recipients the dead worker had
//             claimed but not recorded; they are sent again with the same Idempotency-Key
//             (campaign:<recipient id>:<attempt>), so one that did reach the send pipeline gets its
//             first result back: never sent twice, never charged twice.
//   claim     a batch of due recipients (FOR UPDATE SKIP LOCKED) → status sending.
//   calls     after its charge, each send's Graph call waits for its slot on the channel's CallPace
//             (./pace.ts): a charge held up by the database does not release a burst to Meta.
//   pace      the batch reserves k/rate seconds of the channel's timeline in private.channel_pace
//             (one UPDATE, shared by every worker and campaign on the channel); its sends are spread
//             evenly over that window. The next batch is claimed while this one is firing.
//   backoff   Meta's 130429 pushes the channel's timeline back (doubling, capped); the message
//             itself is retried by the send reconciler. 131056 (pair rate limit) requeues that one
//             recipient later with attempt + 1 (a new message, charged like any single send).
//   tier      with a messaging-limit tier, a batch is claimed under the channel's pace row lock and
//             never past tier − unique recipients in the last 24 hours − sends in flight.

const WINDOW_MS = 500;
// A runner held up (a slow query, a pause of the event loop) may send what it is behind by at
// most this much sooner than planned; time lost beyond it is lost, not made up with a burst.
const CATCH_UP_MS = 100;
// Sends are released in groups at most this far apart: Meta counts throughput per second, and a
// group costs one charging statement instead of one per message.
const TICK_MS = 20;
const OWNER = `${process.pid}-${randomUUID().slice(0, 8)}`;

export type SliceOutcome = { state: "done" } | { state: "idle" } | { state: "more"; afterSeconds?: number };

interface Claimed {
  id: string;
  seq: number;
  wa_id: string;
  params: string[];
  attempt: number;
}

interface CampaignCtx {
  id: string;
  orgId: string;
  channelId: string;
  templateName: string;
  language: string;
  rate: number;
  tier: number | null;
}

/** Counters for the bench and tests. */
export const runnerStats = { claimed: 0, sent: 0, backoffs: 0 };

export async function runCampaignSlice(campaignId: string, opts: { sliceMs?: number; owner?: string } = {}): Promise<SliceOutcome> {
  const e = env();
  const owner = opts.owner ?? OWNER;
  const sliceMs = opts.sliceMs ?? e.CAMPAIGN_SLICE_SECONDS * 1000;
  const ctx = await acquire(campaignId, owner, e.CAMPAIGN_LEASE_SECONDS);
  if (!ctx) return { state: "idle" };
  const log = logger.child({ campaignId, owner });
  const started = Date.now();
  const spacing = 1000 / ctx.rate;
  // Sends are released on the plan above; their calls to Meta are spaced again after the charge.
  const callPace = channelPace(ctx.channelId, ctx.rate);
  const batchSize = Math.max(1, Math.round((ctx.rate * WINDOW_MS) / 1000));
  const maxInFlight = Math.max(200, ctx.rate * 4);
  const inFlight = new Set<Promise<void>>();
  let pauseUntil = 0;
  let stop: string | null = null;
  let outcome: SliceOutcome = { state: "more" };
  let backoffMs = 0;

  const onThrottle = async () => {
    runnerStats.backoffs++;
    backoffMs = Math.min(Math.max(backoffMs * 2, e.CAMPAIGN_BACKOFF_BASE_MS), e.CAMPAIGN_BACKOFF_MAX_MS);
    pauseUntil = Math.max(pauseUntil, Date.now() + backoffMs);
    // Every worker on this channel waits too: its timeline moves past the backoff.
    await serviceQuery(
      `update private.channel_pace set backoff_ms = $2::int, next_slot_at = greatest(next_slot_at, now() + make_interval(secs => $3::float8))
        where channel_id = $1`,
      [ctx.channelId, backoffMs, backoffMs / 1000],
    );
    log.warn({ backoffMs }, "campaign backing off after 130429");
  };

  const sendOne = async (r: Claimed) => {
    let res: SendResult;
    try {
      res = await sendMessage({
        orgId: ctx.orgId,
        channelId: ctx.channelId,
        to: r.wa_id,
        message: templateMessage(ctx.templateName, ctx.language, r.params),
        idempotencyKey: `campaign:${r.id}:${r.attempt}`,
        source: "campaign",
        beforeDeliver: () => callPace.take(),
      });
    } catch (err) {
      if (err instanceof ApiError) {
        if (err.code === "contact_opted_out") return record(r.id, "skipped", null, "Opted out: not sent, not charged");
        if (err.code === "insufficient_balance" || err.code === "channel_not_connected" || err.code === "organization_suspended" || err.code === "no_channel" || err.code === "channel_not_found") {
          stop ??=
            err.code === "insufficient_balance"
              ? "Paused: the wallet balance is lower than the message fee. Recharge the wallet and resume."
              : `Paused: ${err.message}`;
          return record(r.id, "queued", null, null);
        }
        return record(r.id, "failed", null, err.message);
      }
      log.error({ recipientId: r.id, err: (err as Error).message }, "campaign send failed");
      return record(r.id, "queued", null, null);
    }
    if (res.error?.code === 130429) await onThrottle().catch((err: unknown) => log.error({ err: (err as Error).message }, "campaign backoff failed"));
    if (res.status === "pending") {
      return record(r.id, "sending", res.id, null);
    }
    if (res.status === "failed") {
      if (res.error?.code === 131056 && r.attempt < e.CAMPAIGN_PAIR_MAX_ATTEMPTS) {
        const delay = e.CAMPAIGN_PAIR_RETRY_MS * 2 ** (r.attempt - 1);
        return record(r.id, "retry", null, `131056 pair rate limit on attempt ${r.attempt}; trying again`, delay);
      }
      return record(r.id, "failed", res.id, res.error?.title ?? "Failed");
    }
    runnerStats.sent++;
    if (backoffMs) backoffMs = 0;
    return record(r.id, "sent", res.id, null);
  };

  const fire = async (batch: Claimed[], startAt: number) => {
    for (let i = 0; i < batch.length; i++) {
      // Due times are rounded down to a tick, so the sends of one tick leave in one event-loop turn
      // and are charged in one statement (lib/messaging/send.ts batches a turn's sends).
      let due = startAt + Math.floor((i * spacing) / TICK_MS) * TICK_MS;
      if (pauseUntil > due) {
        // A backoff shifts the rest of the batch.
        startAt += pauseUntil - due;
        due = pauseUntil;
      }
      const late = Date.now() - due;
      if (late > CATCH_UP_MS) {
        // Held up: the rest of the batch moves later instead of leaving all at once.
        startAt += late - CATCH_UP_MS;
        due += late - CATCH_UP_MS;
      }
      const wait = due - Date.now();
      if (wait > 2) await sleep(wait);
      if (stop) {
        await record(batch[i].id, "queued", null, null);
        continue;
      }
      const p = sendOne(batch[i]).catch((err: unknown) => log.error({ err: (err as Error).message }, "campaign record failed"));
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    }
  };

  let firing: Promise<void> = Promise.resolve();
  try {
    while (!stop) {
      if (Date.now() - started > sliceMs) break;
      while (inFlight.size > maxInFlight) await Promise.race(inFlight);
      const claim = await claimBatch(ctx, owner, batchSize, e.CAMPAIGN_LEASE_SECONDS);
      if (!claim.leased) {
        outcome = { state: "idle" };
        break;
      }
      if (claim.blocked) {
        await serviceQuery("update public.campaigns set blocked_reason = $2, updated_at = now() where id = $1", [ctx.id, claim.blocked]);
        outcome = { state: "more", afterSeconds: 60 };
        break;
      }
      if (!claim.rows.length) {
        await firing;
        await Promise.all(inFlight);
        await flushRecords();
        const next = await nextDue(ctx.id);
        if (process.env.CAMPAIGN_DEBUG) console.log("idle", next, "at", Date.now() - started);
        if (next === null) {
          if (await complete(ctx.id)) {
            outcome = { state: "done" };
            break;
          }
          await sleep(200);
          continue;
        }
        if (next > 1) {
          outcome = { state: "more", afterSeconds: Math.min(next, 60) };
          break;
        }
        await sleep(next * 1000 + 5);
        continue;
      }
      runnerStats.claimed += claim.rows.length;
      const startAt = Date.now() + claim.waitMs;
      if (process.env.CAMPAIGN_DEBUG) console.log("batch", claim.rows.length, "wait", Math.round(claim.waitMs), "at", Date.now() - started, "inflight", inFlight.size);
      await firing;
      firing = fire(claim.rows, startAt);
    }
    await firing;
    await Promise.all(inFlight);
    await flushRecords();
    if (stop) {
      await serviceQuery("update public.campaigns set status = 'paused', blocked_reason = $2, updated_at = now() where id = $1 and status = 'running'", [ctx.id, stop]);
      outcome = { state: "idle" };
    } else if (outcome.state === "more" && !("afterSeconds" in outcome && outcome.afterSeconds)) {
      await serviceQuery("update public.campaigns set blocked_reason = null where id = $1 and blocked_reason is not null", [ctx.id]);
    }
  } finally {
    await serviceQuery("update public.campaigns set lease_owner = null, lease_until = null where id = $1 and lease_owner = $2", [ctx.id, owner]);
  }
  return outcome;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

async function acquire(id: string, owner: string, leaseSeconds: number): Promise<CampaignCtx | null> {
  return withService(async (db) => {
    const { rows } = await db.query<{ org_id: string; channel_id: string | null; template_name: string; template_language: string }>(
      `update public.campaigns set status = 'running', lease_owner = $2, lease_until = now() + make_interval(secs => $3),
              started_at = coalesce(started_at, now()), updated_at = now()
        where id = $1 and (status = 'running' or (status = 'scheduled' and coalesce(scheduled_at, now()) <= now()))
          and (lease_until is null or lease_until < now() or lease_owner = $2)
       returning org_id, channel_id, template_name, template_language`,
      [id, owner, leaseSeconds],
    );
    const r = rows[0];
    if (!r) return null;
    const { rows: ch } = await db.query<{ throughput_mps: number; messaging_limit_tier: number | null }>(
      "select throughput_mps, messaging_limit_tier from public.channels where id = $1 and org_id = $2",
      [r.channel_id, r.org_id],
    );
    if (!r.channel_id || !ch[0]) {
      await db.query(
        "update public.campaigns set status = 'paused', blocked_reason = 'Paused: the campaign''s channel was removed.', lease_owner = null, lease_until = null where id = $1",
        [id],
      );
      return null;
    }
    // Recipients claimed but never recorded (a worker died, or a slice ended mid-batch): back in the queue.
    await db.query("update public.campaign_recipients set status = 'queued', claimed_at = null where campaign_id = $1 and status = 'sending' and message_id is null", [id]);
    return {
      id,
      orgId: r.org_id,
      channelId: r.channel_id,
      templateName: r.template_name,
      language: r.template_language,
      rate: Math.min(1000, Math.max(1, ch[0].throughput_mps)),
      tier: ch[0].messaging_limit_tier,
    };
  });
}

// One round trip per batch: renew the lease (and see the campaign is still running), claim the due
// recipients in order, and reserve their share of the channel's timeline. A runner that fell behind
// may catch up CATCH_UP_MS of it; more than that is lost, so the channel never bursts past its rate
// by more than that much.
const CLAIM_SQL = `with lease as (
    update public.campaigns set lease_until = now() + make_interval(secs => $4)
     where id = $1 and lease_owner = $3 and status = 'running' returning id
  ), due as (
    select r.id from public.campaign_recipients r
     where r.campaign_id = $1 and r.status = 'queued' and r.next_attempt_at <= now() and exists (select 1 from lease)
     order by r.seq limit $2 for update of r skip locked
  ), claimed as (
    update public.campaign_recipients r set status = 'sending', claimed_at = now(), updated_at = now()
      from due where r.id = due.id
    returning r.id, r.seq, r.wa_id, r.params, r.attempt
  ), n as (select count(*)::float8 as k from claimed),
  slot as (
    insert into private.channel_pace as p (channel_id, next_slot_at)
    select $5, now() + make_interval(secs => n.k / $6) from n where n.k > 0
    on conflict (channel_id) do update set next_slot_at = greatest(p.next_slot_at, now() - make_interval(secs => $7)) + (excluded.next_slot_at - now())
    returning extract(epoch from (p.next_slot_at - now())) * 1000 as end_ms
  )
  select (select count(*) from lease)::int as leased,
         coalesce((select end_ms from slot) - (select k from n) * 1000 / $6, 0)::float8 as wait_ms,
         coalesce((select json_agg(c order by c.seq) from claimed c), '[]'::json) as rows`;

interface ClaimResult {
  leased: boolean;
  rows: Claimed[];
  waitMs: number;
  blocked?: string;
}

async function claimBatch(ctx: CampaignCtx, owner: string, n: number, leaseSeconds: number): Promise<ClaimResult> {
  const run = async (q: (sql: string, args: unknown[]) => Promise<{ rows: Array<{ leased: number; wait_ms: number; rows: Claimed[] }> }>, limit: number) => {
    const { rows } = await q(CLAIM_SQL, [ctx.id, limit, owner, leaseSeconds, ctx.channelId, ctx.rate, CATCH_UP_MS / 1000]);
    return { leased: rows[0].leased > 0, rows: rows[0].rows, waitMs: Math.max(0, Number(rows[0].wait_ms)) };
  };
  if (ctx.tier === null) return run((sql, args) => serviceQuery(sql, args), n);
  const tier = ctx.tier;
  return withService(async (db) => {
    // Serialise claims on this channel (every campaign, every worker) while counting.
    await db.query("insert into private.channel_pace (channel_id) values ($1) on conflict do nothing", [ctx.channelId]);
    await db.query("select 1 from private.channel_pace where channel_id = $1 for update", [ctx.channelId]);
    const { rows: u } = await db.query<{ used: number }>(
      `select (select count(distinct contact_id) from public.messages
                where channel_id = $1 and direction = 'outbound' and type = 'template' and created_at > now() - interval '24 hours'
                  and not (status = 'failed' and refunded))
            + (select count(*) from public.campaign_recipients r join public.campaigns c on c.id = r.campaign_id
                where c.channel_id = $1 and c.status = 'running' and r.status = 'sending' and r.message_id is null) as used`,
      [ctx.channelId],
    );
    const allowance = tier - Number(u[0].used);
    if (allowance <= 0) {
      const { rows } = await db.query<{ status: string }>(
        "update public.campaigns set lease_until = now() + make_interval(secs => $3) where id = $1 and lease_owner = $2 returning status",
        [ctx.id, owner, leaseSeconds],
      );
      return {
        leased: rows[0]?.status === "running",
        rows: [],
        waitMs: 0,
        blocked: `Waiting: the channel's messaging limit (${tier.toLocaleString("en-IN")} unique recipients in a moving 24 hours) is reached. The rest is sent as the window frees up.`,
      };
    }
    return run((sql, args) => db.query(sql, args), Math.min(n, allowance));
  });
}

/** Seconds until the next queued recipient is due; null when none is queued. */
async function nextDue(id: string): Promise<number | null> {
  const { rows } = await serviceQuery<{ s: number | null }>(
    "select extract(epoch from (min(next_attempt_at) - now()))::float8 as s from public.campaign_recipients where campaign_id = $1 and status = 'queued'",
    [id],
  );
  return rows[0].s === null ? null : Math.max(0, Number(rows[0].s));
}

async function complete(id: string): Promise<boolean> {
  const { rowCount } = await serviceQuery(
    `update public.campaigns set status = 'completed', completed_at = now(), blocked_reason = null, updated_at = now()
      where id = $1 and status = 'running' and not exists (
        select 1 from public.campaign_recipients where campaign_id = $1 and (status = 'queued' or (status = 'sending' and message_id is null)))`,
    [id],
  );
  return (rowCount ?? 0) > 0;
}

// ---- Recording outcomes: every outcome of one event-loop turn in one UPDATE ----
type RecordStatus = "queued" | "sending" | "sent" | "failed" | "skipped" | "retry";
let pending: Array<{ id: string; status: RecordStatus; messageId: string | null; reason: string | null; delayMs: number; resolve: () => void; reject: (e: unknown) => void }> = [];
let flushScheduled = false;
let flushing: Promise<void> = Promise.resolve();

function record(id: string, status: RecordStatus, messageId: string | null, reason: string | null, delayMs = 0): Promise<void> {
  return new Promise((resolve, reject) => {
    pending.push({ id, status, messageId, reason, delayMs, resolve, reject });
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(() => void (flushing = flushing.then(flushRecordsNow)));
    }
  });
}

async function flushRecords(): Promise<void> {
  await flushing;
  if (pending.length) await flushRecordsNow();
}

async function flushRecordsNow(): Promise<void> {
  flushScheduled = false;
  const batch = pending;
  pending = [];
  if (!batch.length) return;
  try {
    // A deadlock victim (say, a TRUNCATE or schema change locking these tables in another order)
    // changed nothing and is run again: left unrecorded, these recipients would stay "sending"
    // until a later slice put them back in the queue.
    await retryTransient(() =>
      serviceQuery(
      `update public.campaign_recipients r set
         status = case when v.status = 'retry' then 'queued' else v.status end,
         message_id = case when v.status in ('retry', 'queued') then null else coalesce(v.message_id, r.message_id) end,
         reason = v.reason,
         attempt = r.attempt + case when v.status = 'retry' then 1 else 0 end,
         next_attempt_at = case when v.status = 'retry' then now() + make_interval(secs => v.delay_ms / 1000.0) else r.next_attempt_at end,
         claimed_at = case when v.status in ('retry', 'queued') then null else r.claimed_at end,
         updated_at = now()
       from unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::int[]) as v(id, status, message_id, reason, delay_ms)
       where r.id = v.id`,
      [batch.map((b) => b.id), batch.map((b) => b.status), batch.map((b) => b.messageId), batch.map((b) => b.reason), batch.map((b) => b.delayMs)],
      ),
    );
    batch.forEach((b) => b.resolve());
  } catch (err) {
    batch.forEach((b) => b.reject(err));
  }
}

/** Running or due scheduled campaigns that no live worker holds: each gets a run queued. */
export async function campaignsToRun(): Promise<string[]> {
  const { rows } = await serviceQuery<{ id: string }>(
    `select id from public.campaigns
      where (status = 'running' or (status = 'scheduled' and scheduled_at <= now() + interval '5 seconds'))
        and (lease_until is null or lease_until < now())
      limit 500`,
  );
  return rows.map((r) => r.id);
}
