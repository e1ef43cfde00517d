import type { Db } from "../db/tx";
import { SUM_COUNTS_SQL, toMetrics, type Metrics, type RawCounts } from "./metrics";
import { ANALYTICS_TIME_ZONE, eachDay, type OperatorQuery } from "./range";
import { statsSource } from "./rollup";

/** Every organization's rollup rows from day $1 to day $2. */
const RANGE = statsSource("s.day between $1::date and $2::date");

// The platform operator's analytics across every organization, from the same rollup the tenants'
// page reads (so the two always agree). Runs as service_role; callers check requirePlatformAdmin.
// Revenue here is the service fees of the day's messages less refunds, per Asia/Kolkata day; the
// console's organization list (lib/operator/operator.ts listOrganizations) gives balances and
// this month's ledger totals.

export interface OperatorDay {
  day: string;
  /** Service fees earned (fees of that day's messages, less refunds). */
  revenue_paise: number;
  outbound: number;
  inbound: number;
  /** Organizations with at least one outbound message that day. */
  active_orgs: number;
}

export interface OperatorOrgRow extends Metrics {
  id: string;
  name: string;
  status: "active" | "suspended";
}

export interface OperatorAnalytics {
  range: { from: string; to: string; days: number; time_zone: string };
  totals: { revenue_paise: number; outbound: number; inbound: number; active_orgs: number };
  days: OperatorDay[];
  /** Organizations with messages in the range, highest fees first. */
  orgs: OperatorOrgRow[];
}

export async function operatorAnalytics(db: Db, q: OperatorQuery, opts: { topOrgs?: number } = {}): Promise<OperatorAnalytics> {
  const perDay = await db.query<Omit<OperatorDay, "day"> & { day: string }>(
    `with per_org as (
       select s.day, s.org_id,
              sum(s.pending + s.sent + s.delivered + s.read + s.failed) as outbound,
              sum(s.inbound) as inbound, sum(s.fees_paise) as fees
       from ${RANGE} s
       group by s.day, s.org_id
     )
     select to_char(day, 'YYYY-MM-DD') as day, sum(fees)::bigint as revenue_paise, sum(outbound)::bigint as outbound,
            sum(inbound)::bigint as inbound, (count(*) filter (where outbound > 0))::int as active_orgs
     from per_org group by day`,
    [q.from, q.to],
  );
  const orgs = await db.query<{ [K in keyof RawCounts]: number } & { id: string; name: string; status: "active" | "suspended" }>(
    `select o.id, o.name, o.status, ${SUM_COUNTS_SQL}
     from ${RANGE} s join public.organizations o on o.id = s.org_id
     group by o.id
     order by sum(s.fees_paise) desc, sum(s.pending + s.sent + s.delivered + s.read + s.failed) desc, o.name
     limit $3`,
    [q.from, q.to, opts.topOrgs ?? 20],
  );
  const active = await db.query<{ n: number }>(
    `select count(*)::int as n from (
       select s.org_id from ${RANGE} s
       group by s.org_id having sum(s.pending + s.sent + s.delivered + s.read + s.failed) > 0
     ) a`,
    [q.from, q.to],
  );

  const byDay = new Map(perDay.rows.map((r) => [r.day, r]));
  const days = eachDay(q.from, q.to).map(
    (day): OperatorDay => byDay.get(day) ?? { day, revenue_paise: 0, outbound: 0, inbound: 0, active_orgs: 0 },
  );
  return {
    range: { from: q.from, to: q.to, days: q.days, time_zone: ANALYTICS_TIME_ZONE },
    totals: {
      revenue_paise: days.reduce((s, d) => s + d.revenue_paise, 0),
      outbound: days.reduce((s, d) => s + d.outbound, 0),
      inbound: days.reduce((s, d) => s + d.inbound, 0),
      active_orgs: active.rows[0].n,
    },
    days,
    orgs: orgs.rows.map(({ id, name, status, ...c }) => ({ id, name, status, ...toMetrics(c) })),
  };
}
