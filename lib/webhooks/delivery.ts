import { sandboxEnabled } from "../config/env";
import { withService } from "../db/tx";
import { inLanes } from "../jobs/lanes";
import type { PeriodicJob } from "../jobs/registry";
import { logger } from "../log";
import { postWebhook, type PostResult } from "./http-post";
import { decryptSecret } from "../crypto/secrets";
import { signatureHeader } from "./signature";
import { BlockedTargetError, resolveDeliveryTarget, type Resolver, type UrlPolicy } from "./url-policy";

// The delivery worker. Deliveries are claimed in a short transaction (FOR UPDATE SKIP LOCKED) that
// counts the attempt and moves next_attempt_at one lease ahead, then POSTed outside any
// transaction, then the outcome is written only if the row still holds that same attempt number.
// So any number of workers can run: a claimed attempt is invisible to the others until its lease
// runs out, and the lease (2 min) is longer than a batch can take (timeouts of 10 s, 10 at a time).
// A worker that dies mid-attempt leaves the row to be claimed again when the lease ends: delivery
// is at least once, and receivers deduplicate on X-Webhook-Id.

const log = logger.child({ component: "webhooks" });

export const DELIVERY_DEFAULTS = {
  timeoutMs: 10_000,
  batchSize: 20,
  concurrency: 10,
  leaseSeconds: 120,
  /** We read at most this much of a receiver's answer, and keep a snippet of it. */
  maxResponseBytes: 16 * 1024,
  snippetChars: 500,
  /** Deliveries of a disabled endpoint wait this long before being looked at again. */
  pausedRecheckSeconds: 3600,
};

export interface DeliveryOptions {
  /** The clock (tests move it forward instead of sleeping through backoff). */
  now?: () => Date;
  /** Jitter source, 0 <= r < 1. */
  random?: () => number;
  timeoutMs?: number;
  batchSize?: number;
  concurrency?: number;
  leaseSeconds?: number;
  policy?: UrlPolicy;
  resolve?: Resolver;
  /** Only these organizations' deliveries (a sweep for some tenants; tests sharing one database). */
  orgIds?: string[];
}

export function defaultUrlPolicy(): UrlPolicy {
  return { allowLoopback: sandboxEnabled() };
}

/**
 * Seconds to wait after failed attempt number `attempt` (1-based): 30 s, 1 min, 2, 4, 8, 16, 32
 * min, then 1 h per step, each with ±20% jitter (so endpoints that failed together do not all
 * retry in the same second) and never more than an hour.
 */
export function backoffSeconds(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(3600, 30 * 2 ** Math.max(0, attempt - 1));
  return Math.max(1, Math.min(3600, Math.round(base * (0.8 + 0.4 * random()))));
}

interface Claimed {
  id: number;
  org_id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  payload: unknown;
  attempts: number;
  created_at: Date;
  retry_until: Date;
  enabled: boolean;
  url: string;
  secret_encrypted: string;
  previous_secret_encrypted: string | null;
  previous_secret_expires_at: Date | null;
}

// Deliveries of a disabled endpoint are claimed too, but only to park them (no attempt counted)
// until the endpoint is enabled again (which makes them due at once) or their window closes. That
// keeps them from clogging the head of the due index.
// $5 = true sends even to a disabled endpoint (a person asked for this delivery).
const CLAIM_UPDATE = `
  update public.webhook_deliveries d set
    attempts = d.attempts + (e.enabled or $5)::int,
    claimed_at = case when (e.enabled or $5) then $1::timestamptz end,
    status = case when not (e.enabled or $5) and $1::timestamptz >= d.retry_until then 'dead' else d.status end,
    next_attempt_at = case when (e.enabled or $5) then $1::timestamptz + make_interval(secs => $2)
                           when $1::timestamptz >= d.retry_until then null
                           else $1::timestamptz + make_interval(secs => $3) end,
    last_error = case when (e.enabled or $5) then d.last_error else 'The endpoint is disabled; delivery is paused' end
  from due, public.webhook_endpoints e
  where d.id = due.id and e.id = d.endpoint_id
  returning d.id, d.org_id, d.endpoint_id, d.event_id, d.event_type, d.payload, d.attempts, d.created_at, d.retry_until,
            (e.enabled or $5) as enabled, e.url, e.secret_encrypted, e.previous_secret_encrypted, e.previous_secret_expires_at`;

// Due by our clock or the database's (rows are queued with the database's now(), which may be a
// moment ahead of this process's clock; tests inject a clock far ahead).
const CLAIM_DUE = `
  with due as (
    select d.id from public.webhook_deliveries d
     where d.status in ('pending', 'failed') and d.next_attempt_at <= greatest($1::timestamptz, now())
       and ($6::uuid[] is null or d.org_id = any ($6::uuid[]))
     order by d.next_attempt_at
     limit $4
     for update skip locked
  ) ${CLAIM_UPDATE}`;

// For "send test event" and "retry": these rows (just queued by the caller), unless a worker holds
// one right now. Judged by claimed_at, not next_attempt_at: the caller queued them with the
// database's clock, which can be a fraction of a millisecond ahead of ours.
const CLAIM_IDS = `
  with due as (
    select d.id from public.webhook_deliveries d
     where d.id = any ($4::bigint[]) and d.status in ('pending', 'failed')
       and (d.claimed_at is null or d.claimed_at <= $1::timestamptz - make_interval(secs => $2))
       and ($6::uuid[] is null or d.org_id = any ($6::uuid[]))
     for update skip locked
  ) ${CLAIM_UPDATE}`;

async function claim(sql: string, now: Date, arg: number | number[], o: DeliveryOptions): Promise<Claimed[]> {
  const { rows } = await withService((db) =>
    db.query<Claimed>(sql, [
      now,
      o.leaseSeconds ?? DELIVERY_DEFAULTS.leaseSeconds,
      DELIVERY_DEFAULTS.pausedRecheckSeconds,
      arg,
      sql === CLAIM_IDS,
      o.orgIds ?? null,
    ]),
  );
  return rows;
}

export interface AttemptOutcome {
  id: number;
  status: "succeeded" | "failed" | "dead";
  attempts: number;
  statusCode: number | null;
  error: string | null;
}

function secretsFor(c: Claimed, now: Date): string[] {
  const context = `webhook_endpoint:${c.endpoint_id}`;
  const secrets = [decryptSecret(c.secret_encrypted, context)];
  if (c.previous_secret_encrypted && c.previous_secret_expires_at && c.previous_secret_expires_at > now) {
    secrets.push(decryptSecret(c.previous_secret_encrypted, context));
  }
  return secrets;
}

/** The body is the same on every attempt; only the timestamp and signature headers change. */
export function deliveryBody(c: { event_id: string; event_type: string; created_at: Date; payload: unknown }): string {
  return JSON.stringify({ id: c.event_id, type: c.event_type, created_at: c.created_at.toISOString(), data: c.payload });
}

/** A log-safe excerpt of the receiver's answer: printable, short, and without our secrets in it. */
function snippet(body: string, secrets: string[]): string | null {
  let s = body.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, " ");
  for (const secret of secrets) s = s.split(secret).join("[redacted]");
  s = s.trim().slice(0, DELIVERY_DEFAULTS.snippetChars);
  return s || null;
}

async function attempt(c: Claimed, o: DeliveryOptions): Promise<AttemptOutcome> {
  const now = o.now ?? (() => new Date());
  const started = now();
  let result: PostResult;
  let secrets: string[] = [];
  try {
    secrets = secretsFor(c, started);
    const target = await resolveDeliveryTarget(c.url, o.policy ?? defaultUrlPolicy(), o.resolve);
    const body = deliveryBody(c);
    const timestamp = Math.floor(started.getTime() / 1000);
    result = await postWebhook({
      ...target,
      body,
      timeoutMs: o.timeoutMs ?? DELIVERY_DEFAULTS.timeoutMs,
      maxResponseBytes: DELIVERY_DEFAULTS.maxResponseBytes,
      headers: {
        "content-type": "application/json",
        "user-agent": "WA-Platform-Webhooks/1.0",
        "x-webhook-id": c.event_id,
        "x-webhook-event": c.event_type,
        "x-webhook-timestamp": String(timestamp),
        "x-webhook-signature": signatureHeader(secrets, timestamp, body),
        "x-webhook-attempt": String(c.attempts),
      },
    });
  } catch (err) {
    const message = err instanceof BlockedTargetError ? err.message : `Could not send: ${(err as Error).message}`;
    result = { statusCode: null, body: "", error: message };
  }
  const ok = result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
  const error = ok
    ? null
    : (result.error ??
      `HTTP ${result.statusCode}${result.statusCode! >= 300 && result.statusCode! < 400 ? " (redirects are not followed)" : ""}`);
  const finished = now();
  const dead = !ok && finished >= c.retry_until;
  const status = ok ? "succeeded" : dead ? "dead" : "failed";
  const next = ok || dead ? null : new Date(finished.getTime() + backoffSeconds(c.attempts, o.random) * 1000);
  await withService((db) =>
    db.query(
      `update public.webhook_deliveries set status = $3, next_attempt_at = $4, last_attempt_at = $5, claimed_at = null,
              delivered_at = case when $3 = 'succeeded' then $5 else delivered_at end,
              last_status_code = $6, last_error = $7, last_response_snippet = $8
        where id = $1 and attempts = $2 and status in ('pending', 'failed')`,
      [c.id, c.attempts, status, next, finished, result.statusCode, error?.slice(0, 500) ?? null, snippet(result.body, secrets)],
    ),
  );
  if (!ok) log.debug({ deliveryId: c.id, endpointId: c.endpoint_id, attempt: c.attempts, status, error }, "webhook attempt failed");
  return { id: c.id, status, attempts: c.attempts, statusCode: result.statusCode, error };
}

async function attemptAll(claimed: Claimed[], o: DeliveryOptions): Promise<AttemptOutcome[]> {
  const todo = claimed.filter((c) => c.enabled);
  const out: AttemptOutcome[] = [];
  await inLanes(todo, o.concurrency ?? DELIVERY_DEFAULTS.concurrency, async (c) => {
    out.push(await attempt(c, o));
  });
  return out;
}

/** Claims and attempts one batch of due deliveries; returns how many rows it claimed. */
export async function deliverDueBatch(o: DeliveryOptions = {}): Promise<{ claimed: number; outcomes: AttemptOutcome[] }> {
  const claimed = await claim(CLAIM_DUE, (o.now ?? (() => new Date()))(), o.batchSize ?? DELIVERY_DEFAULTS.batchSize, o);
  return { claimed: claimed.length, outcomes: await attemptAll(claimed, o) };
}

/** Batch after batch until nothing is due (or `maxBatches`); returns the number of attempts made. */
export async function deliverDueWebhooks(o: DeliveryOptions & { maxBatches?: number } = {}): Promise<number> {
  const size = o.batchSize ?? DELIVERY_DEFAULTS.batchSize;
  let attempts = 0;
  for (let i = 0; i < (o.maxBatches ?? 50); i++) {
    const { claimed, outcomes } = await deliverDueBatch(o);
    attempts += outcomes.length;
    if (claimed < size) break;
  }
  return attempts;
}

/**
 * Attempts these deliveries now, in this process (test events, retries by hand). A row another
 * worker holds right now is skipped, so it is still attempted once.
 */
export async function deliverNow(ids: number[], o: DeliveryOptions = {}): Promise<AttemptOutcome[]> {
  const claimed = await claim(CLAIM_IDS, (o.now ?? (() => new Date()))(), ids, o);
  return attemptAll(claimed, o);
}

/** Finished deliveries are kept this long for the log. */
export const RETENTION_DAYS = 30;

/** Deletes finished deliveries older than the retention, a chunk at a time; returns how many. */
export async function pruneDeliveries(now = new Date(), chunk = 5000): Promise<number> {
  const r = await withService((db) =>
    db.query(
      `delete from public.webhook_deliveries where id in (
         select id from public.webhook_deliveries
          where status in ('succeeded', 'dead') and created_at < $1::timestamptz - make_interval(days => $2)
          order by id limit $3)`,
      [now, RETENTION_DAYS, chunk],
    ),
  );
  return r.rowCount ?? 0;
}

export const webhookDeliveryJob: PeriodicJob = {
  name: "webhooks.deliver",
  intervalMs: 1_000,
  run: () => deliverDueWebhooks(),
};

export const webhookPruneJob: PeriodicJob = {
  name: "webhooks.prune",
  intervalMs: 3_600_000,
  run: () => pruneDeliveries(),
};
