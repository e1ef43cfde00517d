/**
 * npm run bench:analytics — analytics query speed on a large organization, and what the rollup
 * trigger costs the send path.
 *
 * Seeds (with generate_series, in SQL) BENCH_MESSAGES messages (default 1,000,000) in one
 * organization over BENCH_DAYS days (default 120) plus BENCH_NOISE messages (default 200,000)
 * spread over 10 other organizations, then prints p50/p95 for 30- and 90-day ranges of:
 *   (a) direct aggregates over messages, with the existing (org_id, created_at) index and with a
 *       covering index (org_id, created_at) INCLUDE (direction, status, channel_id, fee_paise, refunded);
 *   (b) the rollup the app uses (lib/analytics/org.ts orgAnalytics, as the tenant, RLS on).
 * Then the trigger's cost per inserted and updated message (EXPLAIN ANALYZE times it apart),
 * committed single-row insert and update throughput from several clients with the trigger on and
 * off, reads with a backlog of unfolded changes, and how fast the fold job drains them.
 *
 * Database: BENCH_DATABASE_URL (an empty database it may fill), or an embedded PostgreSQL
 * under .bench-data/ on BENCH_PG_PORT (default: a free port). Nothing here is timed in tests.
 */
import { rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { startEmbeddedPostgres } from "../../lib/db/embedded";
import { migrate } from "../../lib/db/migrate";

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 1_000_000);
const NOISE = Number(process.env.BENCH_NOISE ?? 200_000);
const DAYS = Number(process.env.BENCH_DAYS ?? 120);
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 15);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
const WRITE_SECONDS = Number(process.env.BENCH_WRITE_SECONDS ?? 6);
const WRITE_ROUNDS = Number(process.env.BENCH_WRITE_ROUNDS ?? 3);

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}
const ms = (n: number) => `${n.toFixed(1)} ms`;

async function timeIt(fn: () => Promise<unknown>, n = ITERATIONS): Promise<{ p50: number; p95: number; min: number }> {
  await fn();
  await fn();
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    xs.push(performance.now() - t);
  }
  return { p50: pct(xs, 50), p95: pct(xs, 95), min: Math.min(...xs) };
}

async function main() {
  let url = process.env.BENCH_DATABASE_URL;
  let stop: (() => Promise<void>) | undefined;
  const dataDir = path.resolve(".bench-data", "analytics");
  if (!url) {
    const port = process.env.BENCH_PG_PORT ? Number(process.env.BENCH_PG_PORT) : undefined;
    await rm(dataDir, { recursive: true, force: true });
    const db = await startEmbeddedPostgres({ dataDir, port, password: "bench", database: "bench_analytics" });
    url = db.url;
    stop = db.stop;
  }
  process.env.DATABASE_URL = url;
  const { withTenant, withService } = await import("../../lib/db/tx");
  const { closePools } = await import("../../lib/db/pool");
  const { orgAnalytics } = await import("../../lib/analytics/org");
  const { operatorAnalytics } = await import("../../lib/analytics/operator");
  const { analyticsQuerySchema, operatorQuerySchema, today, addDays } = await import("../../lib/analytics/range");
  const { foldAllMessageStats } = await import("../../lib/analytics/rollup");

  const admin = new pg.Client({ connectionString: url });
  try {
    await migrate(url);
    await admin.connect();
    console.log(`Load average before: ${os.loadavg().map((x) => x.toFixed(1)).join(" ")} on ${os.cpus().length} cores`);
    console.log(`Seeding ${MESSAGES.toLocaleString()} messages in one organization over ${DAYS} days, ${NOISE.toLocaleString()} in 10 others...`);
    const tSeed = performance.now();
    const { rows: users } = await admin.query<{ id: string }>("insert into auth.users (email) values ('bench@example.test') returning id");
    const userId = users[0].id;
    const { rows: orgRows } = await admin.query<{ id: string }>(
      "insert into public.organizations (name) select 'Bench ' || g from generate_series(0, 10) g returning id",
    );
    const orgIds = orgRows.map((r) => r.id);
    const orgA = orgIds[0];
    await admin.query("insert into public.memberships (org_id, user_id, role) values ($1, $2, 'owner')", [orgA, userId]);
    await admin.query(
      `insert into public.channels (org_id, phone_number_id, waba_id, display_phone_number)
       select o, 'pn-' || o || '-' || c, 'waba', '+9198' || c from unnest($1::uuid[]) o, generate_series(1, 3) c`,
      [orgIds],
    );
    // Bulk load without the row trigger; the rollup is then built in one statement, as the
    // migration does for messages that predate it.
    await admin.query("set session_replication_role = replica");
    const seed = (org: string, n: number) =>
      admin.query(
        `with ch as (select array_agg(id order by phone_number_id) as ids from public.channels where org_id = $1)
         insert into public.messages (org_id, channel_id, direction, type, status, text, fee_paise, refunded, created_at)
         select $1, ch.ids[case when r1 < 0.6 then 1 when r1 < 0.9 then 2 else 3 end],
                case when r2 < 0.2 then 'inbound' else 'outbound' end, 'text',
                case when r2 < 0.2 then 'received' when r2 < 0.6 then 'read' when r2 < 0.8 then 'delivered'
                     when r2 < 0.9 then 'sent' when r2 < 0.995 then 'failed' else 'pending' end,
                'Hello, your order #' || g || ' is on its way', case when r2 < 0.2 then 0 else 20 end,
                r2 >= 0.9 and r2 < 0.95, now() - (random() * $3 * 86400) * interval '1 second'
         from ch, generate_series(1, $2) g, lateral (select random() + g * 0 as r1, random() + g * 0 as r2) r`,
        [org, n, DAYS],
      );
    await seed(orgA, MESSAGES);
    for (const o of orgIds.slice(1)) await seed(o, Math.floor(NOISE / 10));
    await admin.query(
      `insert into public.wallet_transactions (org_id, kind, amount_paise, balance_after_paise, reference, created_at)
       select $1, 'credit', 50000, 50000 * g, 'bench:' || g, now() - g * interval '1 day' from generate_series(1, $2) g`,
      [orgA, DAYS],
    );
    await admin.query("set session_replication_role = origin");
    await admin.query(`
      insert into public.message_stats_daily
        (org_id, day, channel_id, campaign_id, pending, sent, delivered, read, failed, inbound, fees_paise)
      select m.org_id, (m.created_at at time zone 'Asia/Kolkata')::date, m.channel_id, null,
             count(*) filter (where m.direction = 'outbound' and m.status = 'pending'),
             count(*) filter (where m.direction = 'outbound' and m.status = 'sent'),
             count(*) filter (where m.direction = 'outbound' and m.status = 'delivered'),
             count(*) filter (where m.direction = 'outbound' and m.status = 'read'),
             count(*) filter (where m.direction = 'outbound' and m.status = 'failed'),
             count(*) filter (where m.direction = 'inbound'),
             coalesce(sum(case when m.refunded then 0 else m.fee_paise end), 0)
      from public.messages m group by 1, 2, 3`);
    await admin.query("vacuum analyze public.messages, public.message_stats_daily, public.message_stats_delta, public.wallet_transactions");
    console.log(`Seeded in ${((performance.now() - tSeed) / 1000).toFixed(1)} s`);

    const claims = { sub: userId, role: "authenticated" as const };
    const results: Array<[string, string, { p50: number; p95: number; min: number }]> = [];

    // (a) Direct aggregates: the same three reads the page needs (per day, per channel, recharges).
    const direct = (from: string, to: string) =>
      withTenant(claims, async (db) => {
        const range = [orgA, from, to];
        const cols = `count(*) filter (where m.direction = 'outbound' and m.status = 'pending') p,
          count(*) filter (where m.direction = 'outbound' and m.status = 'sent') s,
          count(*) filter (where m.direction = 'outbound' and m.status = 'delivered') d,
          count(*) filter (where m.direction = 'outbound' and m.status = 'read') r,
          count(*) filter (where m.direction = 'outbound' and m.status = 'failed') f,
          count(*) filter (where m.direction = 'inbound') i,
          sum(case when m.refunded then 0 else m.fee_paise end) fee`;
        const where = `m.org_id = $1 and m.created_at >= ($2::date::timestamp at time zone 'Asia/Kolkata')
          and m.created_at < (($3::date + 1)::timestamp at time zone 'Asia/Kolkata')`;
        await db.query(`select (m.created_at at time zone 'Asia/Kolkata')::date as day, ${cols} from public.messages m where ${where} group by 1`, range);
        await db.query(`select m.channel_id, ${cols} from public.messages m where ${where} group by 1`, range);
        await db.query(
          `select (t.created_at at time zone 'Asia/Kolkata')::date, sum(t.amount_paise) from public.wallet_transactions t
           where t.org_id = $1 and t.kind = 'credit' and t.created_at >= ($2::date::timestamp at time zone 'Asia/Kolkata')
             and t.created_at < (($3::date + 1)::timestamp at time zone 'Asia/Kolkata') group by 1`,
          range,
        );
      });
    const to = today();
    const ranges = [30, 90].map((n) => ({ n, from: addDays(to, -(n - 1)), to }));
    const inRange = async (from: string) =>
      (
        await admin.query<{ n: string }>("select count(*) n from public.messages where org_id = $1 and created_at >= ($2::date::timestamp at time zone 'Asia/Kolkata')", [orgA, from])
      ).rows[0].n;
    for (const r of ranges) console.log(`${r.n}-day range holds ${Number(await inRange(r.from)).toLocaleString()} of the organization's messages`);

    for (const r of ranges) results.push(["(a) direct, existing (org_id, created_at) index", `${r.n} days`, await timeIt(() => direct(r.from, r.to), 5)]);
    await admin.query(
      "create index bench_messages_covering on public.messages (org_id, created_at) include (direction, status, channel_id, fee_paise, refunded)",
    );
    await admin.query("vacuum analyze public.messages");
    for (const r of ranges) results.push(["(a) direct, covering index", `${r.n} days`, await timeIt(() => direct(r.from, r.to), 5)]);
    await admin.query("drop index public.bench_messages_covering");

    // (b) The rollup, through the service the page and the API call.
    for (const r of ranges) {
      const q = analyticsQuerySchema.parse({ from: r.from, to: r.to });
      results.push(["(b) rollup: orgAnalytics (4 queries, RLS)", `${r.n} days`, await timeIt(() => withTenant(claims, (db) => orgAnalytics(db, orgA, q)))]);
    }
    for (const r of ranges) {
      const q = operatorQuerySchema.parse({ from: r.from, to: r.to });
      results.push(["(b) rollup: operatorAnalytics (all orgs)", `${r.n} days`, await timeIt(() => withService((db) => operatorAnalytics(db, q)))]);
    }

    console.log("\nQuery time, one organization with " + MESSAGES.toLocaleString() + " messages");
    console.log("approach".padEnd(52) + "range".padEnd(10) + "p50".padStart(12) + "p95".padStart(12) + "min".padStart(12));
    for (const [name, range, t] of results) {
      console.log(name.padEnd(52) + range.padEnd(10) + ms(t.p50).padStart(12) + ms(t.p95).padStart(12) + ms(t.min).padStart(12));
    }

    // Write cost: single-row autocommit inserts (the send path writes one message per transaction)
    // and status updates, from CLIENTS connections, with the rollup triggers on and off.
    const orgW = orgIds[1];
    await admin.query("vacuum analyze public.messages");
    const { rows: chW } = await admin.query<{ id: string }>("select id from public.channels where org_id = $1 limit 1", [orgW]);
    const pool = new pg.Pool({ connectionString: url, max: CLIENTS });
    const hammer = async (sql: string, params: () => unknown[]) => {
      let n = 0;
      const end = performance.now() + WRITE_SECONDS * 1000;
      await Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          const c = await pool.connect();
          try {
            while (performance.now() < end) {
              await c.query(sql, params());
              n++;
            }
          } finally {
            c.release();
          }
        }),
      );
      return n / WRITE_SECONDS;
    };
    const insertSql = `insert into public.messages (org_id, channel_id, direction, type, status, text, fee_paise)
                       values ($1, $2, 'outbound', 'text', 'pending', 'Hello, your order is on its way', 20) returning id`;
    const updateSql = `update public.messages set status = case status when 'pending' then 'sent' when 'sent' then 'delivered' else 'pending' end
                       where id = (select id from public.messages where org_id = $1 and created_at > now() - interval '1 hour' offset floor(random() * 1000) limit 1)`;
    const setTriggers = (on: boolean) =>
      admin.query(
        `alter table public.messages ${on ? "enable" : "disable"} trigger messages_stats_insert;
         alter table public.messages ${on ? "enable" : "disable"} trigger messages_stats_update`,
      );
    // CPU cost per row of the trigger, from EXPLAIN ANALYZE, which times triggers separately: a
    // 20,000-row INSERT and UPDATE, alternating trigger off/on, the minimum of 3 rounds. Rows and
    // trigger calls interleave, so other load on the machine skews both sides alike.
    const PER_ROW = 20_000;
    const explain = async (sql: string, params: unknown[]) => {
      const { rows } = await admin.query(`explain (analyze, format json) ${sql}`, params);
      const plan = rows[0]["QUERY PLAN"][0];
      const trig = (plan.Triggers ?? [])
        .filter((t: { "Trigger Name": string }) => t["Trigger Name"].startsWith("messages_stats"))
        .reduce((sum: number, t: { Time: number }) => sum + t.Time, 0);
      return { total: (plan["Execution Time"] * 1000) / PER_ROW, trigger: (trig * 1000) / PER_ROW };
    };
    const bulkInsert = `insert into public.messages (org_id, channel_id, direction, type, status, text, fee_paise)
      select $1, $2, 'outbound', 'text', 'pending', 'Hello, your order is on its way', 20 from generate_series(1, ${PER_ROW})`;
    const bulkUpdate = `update public.messages set status = case status when 'pending' then 'sent' when 'sent' then 'delivered'
      when 'delivered' then 'read' else 'pending' end
      where id in (select id from public.messages where org_id = $1 order by created_at desc limit ${PER_ROW})`;
    const perRow: Record<string, Array<{ total: number; trigger: number }>> = { "insert off": [], "insert on": [], "update off": [], "update on": [] };
    for (let round = 0; round < 3; round++) {
      for (const on of [false, true]) {
        await setTriggers(on);
        perRow[`insert ${on ? "on" : "off"}`].push(await explain(bulkInsert, [orgW, chW[0].id]));
        perRow[`update ${on ? "on" : "off"}`].push(await explain(bulkUpdate, [orgW]));
      }
    }
    console.log(`\nServer time per row (µs, EXPLAIN ANALYZE of ${PER_ROW.toLocaleString()}-row statements, min of 3 rounds)`);
    for (const kind of ["insert", "update"]) {
      const off = Math.min(...perRow[`${kind} off`].map((x) => x.total));
      const on = Math.min(...perRow[`${kind} on`].map((x) => x.total));
      const trig = Math.min(...perRow[`${kind} on`].map((x) => x.trigger));
      console.log(
        `${kind.padEnd(8)} trigger off ${off.toFixed(1)}   on ${on.toFixed(1)}   of which the trigger ${trig.toFixed(1)}   => at 1,000 rows/s about ${(trig / 10).toFixed(1)}% of one core`,
      );
    }

    const writes: Record<string, number[]> = { "insert off": [], "insert on": [], "update off": [], "update on": [] };
    for (const on of Array.from({ length: WRITE_ROUNDS * 2 }, (_, i) => i % 2 === 1)) {
      await setTriggers(on);
      writes[`insert ${on ? "on" : "off"}`].push(await hammer(insertSql, () => [orgW, chW[0].id]));
      writes[`update ${on ? "on" : "off"}`].push(await hammer(updateSql, () => [orgW]));
    }
    await setTriggers(true);
    await pool.end();
    console.log(`\nCommitted writes per second, ${CLIENTS} clients, ${WRITE_SECONDS} s each, ${WRITE_ROUNDS} alternating rounds (synchronous commit; load average ${os.loadavg()[0].toFixed(1)})`);
    for (const kind of ["insert", "update"]) {
      const off = writes[`${kind} off`];
      const on = writes[`${kind} on`];
      const avg = (xs: number[]) => pct(xs, 50);
      console.log(
        `${kind.padEnd(8)} trigger off: ${off.map((x) => x.toFixed(0)).join(" / ")}   on: ${on.map((x) => x.toFixed(0)).join(" / ")}   median change: ${(((avg(on) - avg(off)) / avg(off)) * 100).toFixed(1)}%`,
      );
    }

    const { rows: pending } = await admin.query<{ n: string }>("select count(*) n from public.message_stats_delta");
    // Readers also scan the changes not folded yet; the write tests above left many (the worker
    // folds every 5 s, so normally there are at most a few seconds' worth).
    const q30 = analyticsQuerySchema.parse({ from: ranges[0].from, to: ranges[0].to });
    const backlog = await timeIt(() => withTenant(claims, (db) => orgAnalytics(db, orgA, q30)), 5);
    console.log(
      `\norgAnalytics 30 days with ${Number(pending[0].n).toLocaleString()} unfolded delta rows: p50 ${ms(backlog.p50)}, p95 ${ms(backlog.p95)}`,
    );
    const tFold = performance.now();
    const folded = await foldAllMessageStats({ maxBatches: 1000 });
    const foldMs = performance.now() - tFold;
    console.log(
      `\nFold job: ${folded.toLocaleString()} delta rows (of ${Number(pending[0].n).toLocaleString()}) folded in ${ms(foldMs)} = ${Math.round(folded / (foldMs / 1000)).toLocaleString()} rows/s`,
    );
  } finally {
    await admin.end().catch(() => undefined);
    await closePools();
    if (stop) {
      await stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
