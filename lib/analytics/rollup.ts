import type { Db } from "../db/tx";
import { withService } from "../db/tx";
import type { PeriodicJob } from "../jobs/registry";

// The rollup has two tables (supabase/migrations/20261123800001_analytics_rollup.sql): the
// trigger appends signed changes to message_stats_delta; this job moves them into
// message_stats_daily, one row per (org, day, channel, campaign). One statement deletes a batch of
// delta rows and adds their sums to the daily rows, so the total over both tables - which is
// all any reader looks at - never changes.
//
// Several workers at once: each claims a disjoint batch (FOR UPDATE SKIP LOCKED, by ctid, since
// the delta log has no key), and the upserts go in key order, so two folds touching the same
// daily rows queue on them in the same order and never deadlock.

const FOLD_SQL = `
with gone as (
  delete from public.message_stats_delta d
  where d.ctid = any (array(select x.ctid from public.message_stats_delta x limit $1 for update skip locked))
  returning d.*
),
sums as (
  select org_id, day, channel_id, campaign_id,
         sum(pending)::int as pending, sum(sent)::int as sent, sum(delivered)::int as delivered, sum(read)::int as read,
         sum(failed)::int as failed, sum(inbound)::int as inbound, sum(fees_paise)::bigint as fees_paise,
         count(*) as n
  from gone
  group by org_id, day, channel_id, campaign_id
),
folded as (
  insert into public.message_stats_daily as s
    (org_id, day, channel_id, campaign_id, pending, sent, delivered, read, failed, inbound, fees_paise)
  select org_id, day, channel_id, campaign_id, pending, sent, delivered, read, failed, inbound, fees_paise
  from sums
  order by org_id, day, channel_id nulls first, campaign_id nulls first
  on conflict (org_id, day, channel_id, campaign_id) do update set
    pending = s.pending + excluded.pending,
    sent = s.sent + excluded.sent,
    delivered = s.delivered + excluded.delivered,
    read = s.read + excluded.read,
    failed = s.failed + excluded.failed,
    inbound = s.inbound + excluded.inbound,
    fees_paise = s.fees_paise + excluded.fees_paise
  returning 1
)
select coalesce((select sum(n) from sums), 0)::int as folded, (select count(*) from folded)::int as keys`;

/** Folds up to `batch` delta rows into the daily rows; returns how many it folded. Run as service_role. */
export async function foldMessageStats(db: Db, batch = 20_000): Promise<number> {
  const { rows } = await db.query<{ folded: number }>(FOLD_SQL, [batch]);
  return rows[0].folded;
}

/** Folds until the delta log is empty (or `maxBatches` ran), one transaction per batch. */
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

/**
 * The rollup as one row source for readers: the folded rows plus the changes not folded yet.
 * `where` is applied to both sides (columns of alias s; bind parameters shared), so each side
 * uses its own access path (the daily key index; a scan of the small delta log).
 */
export function statsSource(where: string): string {
  const cols = "s.org_id, s.day, s.channel_id, s.campaign_id, s.pending, s.sent, s.delivered, s.read, s.failed, s.inbound, s.fees_paise";
  return `(select ${cols} from public.message_stats_daily s where ${where}
           union all
           select ${cols} from public.message_stats_delta s where ${where})`;
}
