import type { Db } from "../db/tx";
import { withService } from "../db/tx";
import type { PeriodicJob } from "../jobs/registry";

// Folds the trigger's delta rows in public.message_stats_daily into one row per
// (org, day, channel, campaign). Each run replaces a set of rows by their sums in one statement,
// so the table's sums - all readers ever look at - never change.
//
// Several workers: one folds at a time (a transaction-level advisory lock, tried without waiting;
// the others skip that round). One folder keeps up easily (bench: npm run bench:analytics), and
// it means a key never ends up with two merged rows. The statement also claims its rows with
// FOR UPDATE SKIP LOCKED, so even run without the lock it could not count a row twice.

/** Advisory lock key of the fold (lib/db/migrate.ts uses 727274). */
const FOLD_LOCK = 727280;

const FOLD_SQL = `
with fresh as (
  select s.id, s.org_id, s.day, s.channel_id, s.campaign_id
  from public.message_stats_daily s
  where not s.merged
  order by s.id
  limit $1
  for update skip locked
),
keys as (select distinct org_id, day, channel_id, campaign_id from fresh),
settled as (
  select s.id
  from public.message_stats_daily s
  join keys k on s.org_id = k.org_id and s.day = k.day
   and s.channel_id is not distinct from k.channel_id and s.campaign_id is not distinct from k.campaign_id
  where s.merged
  for update of s skip locked
),
gone as (
  delete from public.message_stats_daily s
  where s.id in (select id from fresh union all select id from settled)
  returning s.org_id, s.day, s.channel_id, s.campaign_id, s.pending, s.sent, s.delivered, s.read, s.failed, s.inbound, s.fees_paise
),
folded as (
  insert into public.message_stats_daily
    (org_id, day, channel_id, campaign_id, pending, sent, delivered, read, failed, inbound, fees_paise, merged)
  select org_id, day, channel_id, campaign_id,
         sum(pending), sum(sent), sum(delivered), sum(read), sum(failed), sum(inbound), sum(fees_paise), true
  from gone
  group by org_id, day, channel_id, campaign_id
  -- A key whose changes cancel out (a message moved to another channel) leaves no row behind.
  having sum(pending) <> 0 or sum(sent) <> 0 or sum(delivered) <> 0 or sum(read) <> 0
      or sum(failed) <> 0 or sum(inbound) <> 0 or sum(fees_paise) <> 0
  returning 1
)
select (select count(*) from fresh)::int as folded, (select count(*) from folded)::int as written`;

/** Folds up to `batch` delta rows; returns how many it folded (0 when another worker is folding). Run as service_role. */
export async function foldMessageStats(db: Db, batch = 20_000): Promise<number> {
  const lock = await db.query<{ ok: boolean }>("select pg_try_advisory_xact_lock($1) as ok", [FOLD_LOCK]);
  if (!lock.rows[0].ok) return 0;
  const { rows } = await db.query<{ folded: number }>(FOLD_SQL, [batch]);
  return rows[0].folded;
}

/** Folds until no delta rows are left (or `maxBatches` ran), one transaction per batch. */
export async function foldAllMessageStats(opts: { batch?: number; maxBatches?: number } = {}): Promise<number> {
  const batch = opts.batch ?? 20_000;
  let total = 0;
  for (let i = 0; i < (opts.maxBatches ?? 50); i++) {
    const n = await withService((db) => foldMessageStats(db, batch));
    total += n;
    if (n < batch) break;
  }
  return total;
}

export const foldMessageStatsJob: PeriodicJob = {
  name: "analytics.fold-message-stats",
  intervalMs: 5_000,
  run: () => foldAllMessageStats(),
};
