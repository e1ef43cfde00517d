import type { Db } from "../db/tx";
import { ApiError } from "../http/errors";
import { addCounts, SUM_COUNTS_SQL, toMetrics, ZERO, type Metrics, type RawCounts } from "./metrics";
import { ANALYTICS_TIME_ZONE, eachDay, type AnalyticsQuery } from "./range";
import { statsSource } from "./rollup";

// One organization's analytics for a range of Asia/Kolkata days, read from the rollup
// (message_stats_daily plus the unfolded message_stats_delta, lib/analytics/rollup.ts) and, for
// recharges, the ledger. Run it inside withTenant so RLS
// decides; the explicit org filter keeps the index lookups narrow.

export interface DayPoint extends Metrics {
  day: string;
  recharges_paise: number;
  recharges: number;
}

export interface BreakdownRow extends Metrics {
  /** The channel (or campaign) id; null for messages without one. */
  id: string | null;
  name: string;
}

export interface OrgAnalytics {
  range: { from: string; to: string; days: number; time_zone: string; channel_id: string | null };
  totals: Metrics & { recharges_paise: number; recharges: number };
  days: DayPoint[];
  /** Per channel over the whole range: every channel of the organization, busiest first. */
  channels: BreakdownRow[];
  /** False when the range holds no message and no recharge (the page shows its empty state). */
  has_data: boolean;
}

type CountsRow = { [K in keyof RawCounts]: number };

/** The rollup rows of org $1 from day $2 to day $3, of channel $4 when not null. */
const ORG_RANGE = statsSource(
  "s.org_id = $1 and s.day between $2::date and $3::date and ($4::uuid is null or s.channel_id = $4::uuid)",
);

/** The dimensions figures can be grouped by. campaign_id fills in once messages carry it. */
const DIMENSIONS = { channel: "s.channel_id", campaign: "s.campaign_id" } as const;
export type Dimension = keyof typeof DIMENSIONS;

function pickCounts(r: CountsRow): RawCounts {
  return {
    pending: r.pending,
    sent: r.sent,
    delivered: r.delivered,
    read: r.read,
    failed: r.failed,
    inbound: r.inbound,
    fees_paise: r.fees_paise,
  };
}

/** Rollup sums per day (only days that have rows). */
export async function countsByDay(db: Db, orgId: string, q: AnalyticsQuery): Promise<Map<string, RawCounts>> {
  const { rows } = await db.query<CountsRow & { day: string }>(
    `select to_char(s.day, 'YYYY-MM-DD') as day, ${SUM_COUNTS_SQL}
     from ${ORG_RANGE} s
     group by s.day`,
    [orgId, q.from, q.to, q.channelId],
  );
  return new Map(rows.map((r) => [r.day, pickCounts(r)]));
}

/** Rollup sums per channel or campaign over the range. */
export async function countsBy(db: Db, orgId: string, q: AnalyticsQuery, by: Dimension): Promise<Map<string | null, RawCounts>> {
  const col = DIMENSIONS[by];
  const { rows } = await db.query<CountsRow & { id: string | null }>(
    `select ${col} as id, ${SUM_COUNTS_SQL}
     from ${ORG_RANGE} s
     group by ${col}`,
    [orgId, q.from, q.to, q.channelId],
  );
  return new Map(rows.map((r) => [r.id, pickCounts(r)]));
}

/** Wallet recharges (ledger credits) per Asia/Kolkata day. Organization-wide: money has no channel. */
export async function rechargesByDay(db: Db, orgId: string, q: { from: string; to: string }) {
  const { rows } = await db.query<{ day: string; amount: number; n: number }>(
    `select to_char((t.created_at at time zone $4)::date, 'YYYY-MM-DD') as day,
            sum(t.amount_paise)::bigint as amount, count(*)::bigint as n
     from public.wallet_transactions t
     where t.org_id = $1 and t.kind = 'credit'
       and t.created_at >= ($2::date::timestamp at time zone $4)
       and t.created_at < (($3::date + 1)::timestamp at time zone $4)
     group by 1`,
    [orgId, q.from, q.to, ANALYTICS_TIME_ZONE],
  );
  return new Map(rows.map((r) => [r.day, { amount: r.amount, n: r.n }]));
}

interface ChannelInfo {
  id: string;
  display_phone_number: string;
  verified_name: string | null;
}

async function orgChannels(db: Db, orgId: string): Promise<ChannelInfo[]> {
  const { rows } = await db.query<ChannelInfo>(
    "select id, display_phone_number, verified_name from public.channels where org_id = $1 order by created_at",
    [orgId],
  );
  return rows;
}

function channelName(c: ChannelInfo): string {
  return c.verified_name ? `${c.verified_name} (${c.display_phone_number})` : c.display_phone_number;
}

/** The organization's channels as the analytics filter lists them. */
export async function analyticsChannels(db: Db, orgId: string): Promise<Array<{ id: string; name: string }>> {
  return (await orgChannels(db, orgId)).map((c) => ({ id: c.id, name: channelName(c) }));
}

export async function orgAnalytics(db: Db, orgId: string, q: AnalyticsQuery): Promise<OrgAnalytics> {
  const channels = await orgChannels(db, orgId);
  if (q.channelId && !channels.some((c) => c.id === q.channelId)) {
    throw new ApiError(404, "channel_not_found", `No channel with id ${q.channelId} in this organization.`);
  }
  // One connection, one transaction: the queries run one after another.
  const perDay = await countsByDay(db, orgId, q);
  const perChannel = await countsBy(db, orgId, q, "channel");
  const recharges = await rechargesByDay(db, orgId, q);

  let total: RawCounts = ZERO;
  let rechargeTotal = 0;
  let rechargeCount = 0;
  const days = eachDay(q.from, q.to).map((day): DayPoint => {
    const c = perDay.get(day) ?? ZERO;
    const r = recharges.get(day) ?? { amount: 0, n: 0 };
    total = addCounts(total, c);
    rechargeTotal += r.amount;
    rechargeCount += r.n;
    return { day, ...toMetrics(c), recharges_paise: r.amount, recharges: r.n };
  });

  const rows: BreakdownRow[] = channels
    .filter((c) => !q.channelId || c.id === q.channelId)
    .map((c) => ({ id: c.id, name: channelName(c), ...toMetrics(perChannel.get(c.id) ?? ZERO) }));
  // Messages whose channel was removed (or never had one) still count in the totals: show them too.
  const orphan = perChannel.get(null);
  if (orphan && !q.channelId && (orphan.inbound !== 0 || orphan.fees_paise !== 0 || toMetrics(orphan).outbound !== 0)) rows.push({ id: null, name: "No channel", ...toMetrics(orphan) });
  rows.sort((a, b) => b.outbound + b.inbound - (a.outbound + a.inbound));

  const totals = { ...toMetrics(total), recharges_paise: rechargeTotal, recharges: rechargeCount };
  return {
    range: { from: q.from, to: q.to, days: q.days, time_zone: ANALYTICS_TIME_ZONE, channel_id: q.channelId },
    totals,
    days,
    channels: rows,
    has_data: totals.outbound + totals.inbound > 0 || rechargeCount > 0 || totals.fees_paise !== 0,
  };
}
