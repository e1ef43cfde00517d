import { randomUUID } from "node:crypto";
import Papa from "papaparse";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CSV_COLUMNS } from "../lib/analytics/csv";
import { countsBy, orgAnalytics } from "../lib/analytics/org";
import { analyticsQuerySchema, today } from "../lib/analytics/range";
import { foldAllMessageStats, foldMessageStats } from "../lib/analytics/rollup";
import { signSession } from "../lib/auth/session";
import { closePools, getPool } from "../lib/db/pool";
import { withService, type Db } from "../lib/db/tx";
import { credit } from "../lib/wallet/wallet";
import { makeChannel, receiveMessage, sendMessage } from "./helpers/analytics";
import { makeOperatorCookie, makeOrg } from "./helpers/factories";
import { serveRoutes } from "./helpers/serve-routes";
import * as analyticsRoute from "../app/api/analytics/route";
import * as exportRoute from "../app/api/analytics/export.csv/route";
import * as operatorRoute from "../app/api/operator/analytics/route";

let server: Awaited<ReturnType<typeof serveRoutes>>;
let operatorCookie: string;

beforeAll(async () => {
  server = await serveRoutes({
    "/api/analytics": analyticsRoute,
    "/api/analytics/export.csv": exportRoute,
    "/api/operator/analytics": operatorRoute,
  });
  operatorCookie = await makeOperatorCookie();
});
afterAll(async () => {
  await server.close();
  await closePools();
});

async function get(path: string, cookie: string) {
  const res = await fetch(server.url + path, { headers: { cookie } });
  const text = await res.text();
  const json = res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : null;
  return { status: res.status, body: json, text, headers: res.headers };
}

/**
 * Org A, two channels, two days (Asia/Kolkata). Day 1 (2024-03-10) on channel 1: one message each
 * read, delivered, sent, failed-and-refunded, pending, and two inbound; on channel 2: two read.
 * Day 2 (2024-03-11) on channel 1: three delivered and one failed without a refund (the recipient's
 * fault). Timestamps sit on both sides of midnight in India (18:30 UTC).
 */
async function seedOrgA() {
  const a = await makeOrg({ name: "Analytics A" });
  const c1 = await makeChannel(a.orgId, "Sales");
  const c2 = await makeChannel(a.orgId, "Support");
  await withService(async (db) => {
    await credit(db, { orgId: a.orgId, amountPaise: 100_000, reference: `test:${randomUUID()}` });
    const d1 = "2024-03-10T05:00:00Z";
    // 2024-03-09 18:30 UTC is 00:00 on 10 March in India: day 1, though the UTC date is the 9th.
    await sendMessage(db, { orgId: a.orgId, channelId: c1, createdAt: "2024-03-09T18:30:00Z", status: "read" });
    await sendMessage(db, { orgId: a.orgId, channelId: c1, createdAt: d1, status: "delivered" });
    await sendMessage(db, { orgId: a.orgId, channelId: c1, createdAt: d1, status: "sent" });
    await sendMessage(db, { orgId: a.orgId, channelId: c1, createdAt: d1, status: "failed", refunded: true });
    // 18:29:59 UTC is 23:59:59 in India: still day 1.
    await sendMessage(db, { orgId: a.orgId, channelId: c1, createdAt: "2024-03-10T18:29:59Z", status: "pending" });
    await receiveMessage(db, { orgId: a.orgId, channelId: c1, createdAt: d1 });
    await receiveMessage(db, { orgId: a.orgId, channelId: c1, createdAt: d1 });
    await sendMessage(db, { orgId: a.orgId, channelId: c2, createdAt: d1, status: "read" });
    await sendMessage(db, { orgId: a.orgId, channelId: c2, createdAt: d1, status: "read" });
    // 18:30 UTC on the 10th is 00:00 on 11 March in India: day 2.
    await sendMessage(db, { orgId: a.orgId, channelId: c1, createdAt: "2024-03-10T18:30:00Z", status: "delivered" });
    await sendMessage(db, { orgId: a.orgId, channelId: c1, createdAt: "2024-03-11T10:00:00Z", status: "delivered" });
    await sendMessage(db, { orgId: a.orgId, channelId: c1, createdAt: "2024-03-11T10:00:00Z", status: "delivered" });
    await sendMessage(db, { orgId: a.orgId, channelId: c1, createdAt: "2024-03-11T10:00:00Z", status: "failed" });
  });
  return { ...a, c1, c2 };
}

async function seedOrgB() {
  const b = await makeOrg({ name: "Analytics B" });
  const c = await makeChannel(b.orgId, "B main");
  await withService(async (db) => {
    await credit(db, { orgId: b.orgId, amountPaise: 10_000, reference: `test:${randomUUID()}` });
    for (let i = 0; i < 5; i++) {
      await sendMessage(db, { orgId: b.orgId, channelId: c, createdAt: "2024-03-10T06:00:00Z", status: "read", feePaise: 50 });
    }
  });
  return { ...b, c };
}

const RANGE = analyticsQuerySchema.parse({ from: "2024-03-10", to: "2024-03-11" });

describe("organization analytics", () => {
  let a: Awaited<ReturnType<typeof seedOrgA>>;
  let b: Awaited<ReturnType<typeof seedOrgB>>;
  beforeAll(async () => {
    a = await seedOrgA();
    b = await seedOrgB();
  });

  it("counts each message once, on its Asia/Kolkata day, under its furthest status; rates and net fees are exact", async () => {
    const r = await a.asUser((db) => orgAnalytics(db, a.orgId, RANGE));
    expect(r.range).toEqual({ from: "2024-03-10", to: "2024-03-11", days: 2, time_zone: "Asia/Kolkata", channel_id: null });
    expect(r.days).toHaveLength(2);
    expect(r.days[0]).toEqual({
      day: "2024-03-10",
      outbound: 7,
      pending: 1,
      sent: 5, // read 3 + delivered 1 + sent 1
      delivered: 4,
      read: 3,
      failed: 1,
      inbound: 2,
      fees_paise: 120, // 7 x 20, less the refunded failure
      delivery_rate: 0.6667, // 4 / (5 + 1)
      read_rate: 0.75,
      recharges_paise: 0,
      recharges: 0,
    });
    expect(r.days[1]).toMatchObject({
      day: "2024-03-11",
      outbound: 4,
      sent: 3,
      delivered: 3,
      read: 0,
      failed: 1,
      inbound: 0,
      fees_paise: 80, // the recipient's failure is not refunded
      delivery_rate: 0.75,
      read_rate: 0,
    });
    expect(r.totals).toMatchObject({ outbound: 11, sent: 8, delivered: 7, read: 3, failed: 2, pending: 1, inbound: 2, fees_paise: 200 });
    expect(r.totals.delivery_rate).toBe(0.7); // 7 / (8 + 2)
    expect(r.totals.read_rate).toBe(0.4286); // 3 / 7
    expect(r.has_data).toBe(true);

    const [sales, support] = r.channels;
    expect(sales).toMatchObject({ id: a.c1, name: expect.stringContaining("Sales"), outbound: 9, sent: 6, delivered: 5, read: 1, inbound: 2, fees_paise: 160 });
    expect(support).toMatchObject({ id: a.c2, outbound: 2, read: 2, fees_paise: 40, delivery_rate: 1, read_rate: 1 });
  });

  it("filters by channel, and a day outside the range is excluded", async () => {
    const only2 = await a.asUser((db) => orgAnalytics(db, a.orgId, analyticsQuerySchema.parse({ from: "2024-03-10", to: "2024-03-10", channel_id: a.c2 })));
    expect(only2.totals).toMatchObject({ outbound: 2, read: 2, inbound: 0, fees_paise: 40 });
    expect(only2.channels.map((c) => c.id)).toEqual([a.c2]);
    const day2 = await a.asUser((db) => orgAnalytics(db, a.orgId, analyticsQuerySchema.parse({ from: "2024-03-11", to: "2024-03-11" })));
    expect(day2.totals.outbound).toBe(4);
  });

  it("reads the same before and after the rollup is folded", async () => {
    const before = await a.asUser((db) => orgAnalytics(db, a.orgId, RANGE));
    const rowCount = async (table: string) =>
      (await withService((db) => db.query<{ n: number }>(`select count(*)::int as n from public.${table} where org_id = $1`, [a.orgId]))).rows[0].n;
    // Every insert and status move appended a change (fold jobs of other test files may have taken some).
    expect((await rowCount("message_stats_delta")) + (await rowCount("message_stats_daily"))).toBeGreaterThan(3);
    await foldAllMessageStats();
    const after = await a.asUser((db) => orgAnalytics(db, a.orgId, RANGE));
    expect(after).toEqual(before);
    expect(await rowCount("message_stats_delta")).toBe(0);
    expect(await rowCount("message_stats_daily")).toBe(3); // (day 1, channel 1), (day 1, channel 2), (day 2, channel 1)
  });

  it("a refund lowers the fees of the message's day, and the fees agree with the ledger's debits less refunds", async () => {
    const id = await withService((db) =>
      sendMessage(db, { orgId: a.orgId, channelId: a.c2, createdAt: "2024-03-11T12:00:00Z", status: "sent", feePaise: 30 }),
    );
    const charged = await a.asUser((db) => orgAnalytics(db, a.orgId, RANGE));
    expect(charged.days[1].fees_paise).toBe(110);
    await withService(async (db) => {
      await db.query("select * from private.wallet_refund($1, null, 'test refund')", [`msg:${id}`]);
      await db.query("update public.messages set status = 'failed', refunded = true where id = $1", [id]);
    });
    const refunded = await a.asUser((db) => orgAnalytics(db, a.orgId, RANGE));
    expect(refunded.days[1].fees_paise).toBe(80);
    expect(refunded.days[1].failed).toBe(2);
    const ledger = await withService((db) =>
      db.query<{ net: number }>(
        "select -sum(amount_paise)::bigint as net from public.wallet_transactions where org_id = $1 and kind in ('debit', 'refund')",
        [a.orgId],
      ),
    );
    expect(refunded.totals.fees_paise).toBe(ledger.rows[0].net);
  });

  it("never shows another organization's messages (RLS), whichever org id is asked for", async () => {
    const leak = await b.asUser((db) => orgAnalytics(db, a.orgId, RANGE));
    expect(leak.totals).toMatchObject({ outbound: 0, inbound: 0, fees_paise: 0 });
    expect(leak.channels).toEqual([]);
    expect(leak.has_data).toBe(false);

    const cookieB = `wa_session=${await signSession(b.user)}`;
    const res = await get("/api/analytics?from=2024-03-10&to=2024-03-11", cookieB);
    expect(res.status).toBe(200);
    expect(res.body.data.totals).toMatchObject({ outbound: 5, read: 5, fees_paise: 250 });
    expect(res.body.data.channels.map((c: { id: string }) => c.id)).toEqual([b.c]);
    const foreign = await get(`/api/analytics?from=2024-03-10&to=2024-03-11&channel_id=${a.c1}`, cookieB);
    expect(foreign.status).toBe(404);
  });

  it("answers the API with the page's figures, and 401 without a session", async () => {
    const cookieA = `wa_session=${await signSession(a.user)}`;
    const res = await get("/api/analytics?from=2024-03-10&to=2024-03-10", cookieA);
    expect(res.status).toBe(200);
    expect(res.body.data.days[0]).toMatchObject({ day: "2024-03-10", sent: 5, delivered: 4, read: 3, failed: 1, inbound: 2 });
    expect((await get("/api/analytics", "")).status).toBe(401);
  });

  it("refuses bad ranges with a 400 that says what is wrong", async () => {
    const cookieA = `wa_session=${await signSession(a.user)}`;
    const cases: Array<[string, RegExp]> = [
      ["from=2024-03-11&to=2024-03-10", /^from \(2024-03-11\) must be on or before to \(2024-03-10\)$/],
      ["from=2023-01-01&to=2024-01-02", /is 367 days; choose at most 366/],
      ["from=2024-02-30&to=2024-03-10", /^from: is not a real calendar date$/],
      ["from=10-03-2024", /^from: must be a date written YYYY-MM-DD/],
      ["channel_id=nope", /^channel_id: must be a channel id/],
    ];
    for (const [qs, message] of cases) {
      const res = await get(`/api/analytics?${qs}`, cookieA);
      expect(res.status, qs).toBe(400);
      expect(res.body.error.code).toBe("invalid_request");
      expect(res.body.error.message).toMatch(message);
    }
    // Exactly 366 days is allowed.
    expect((await get("/api/analytics?from=2023-03-11&to=2024-03-10", cookieA)).status).toBe(200);
  });

  it("exports a CSV with the header and one row per day", async () => {
    const cookieA = `wa_session=${await signSession(a.user)}`;
    const res = await get("/api/analytics/export.csv?from=2024-03-09&to=2024-03-11", cookieA);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="analytics_2024-03-09_to_2024-03-11.csv"');
    const lines = res.text.split(/\r?\n/);
    expect(lines[0]).toBe(CSV_COLUMNS.join(","));
    const parsed = Papa.parse<Record<string, string>>(res.text, { header: true, skipEmptyLines: true });
    expect(parsed.data.map((r) => r.date)).toEqual(["2024-03-09", "2024-03-10", "2024-03-11"]);
    expect(parsed.data[0]).toMatchObject({ outbound: "0", fees_inr: "0.00", delivery_rate: "" });
    expect(parsed.data[1]).toEqual({
      date: "2024-03-10",
      outbound: "7",
      sent: "5",
      delivered: "4",
      read: "3",
      failed: "1",
      pending: "1",
      delivery_rate: "0.6667",
      read_rate: "0.75",
      inbound: "2",
      fees_inr: "1.20",
      recharges_inr: "0.00",
    });
    expect((await get("/api/analytics/export.csv?from=2024-03-12&to=2024-03-11", cookieA)).status).toBe(400);
  });

  it("moves a deleted channel's history to 'No channel' without changing the totals", async () => {
    const before = await a.asUser((db) => orgAnalytics(db, a.orgId, RANGE));
    await withService((db) => db.query("delete from public.channels where id = $1", [a.c2]));
    const after = await a.asUser((db) => orgAnalytics(db, a.orgId, RANGE));
    expect(after.totals).toEqual(before.totals);
    const orphan = after.channels.find((c) => c.id === null);
    const old = before.channels.find((c) => c.id === a.c2)!;
    expect(orphan).toMatchObject({ name: "No channel", outbound: old.outbound, read: old.read, fees_paise: old.fees_paise });
    await foldAllMessageStats();
    expect(await a.asUser((db) => orgAnalytics(db, a.orgId, RANGE))).toEqual(after);
  });
});

describe("recharges", () => {
  it("counts ledger credits on their Asia/Kolkata day, not adjustments or fees", async () => {
    const o = await makeOrg();
    await withService(async (db) => {
      await credit(db, { orgId: o.orgId, amountPaise: 50_000, reference: `rzp:${randomUUID()}` });
      await credit(db, { orgId: o.orgId, amountPaise: 25_000, reference: `rzp:${randomUUID()}` });
      await credit(db, { orgId: o.orgId, amountPaise: 999, reference: `adj:${randomUUID()}`, kind: "adjustment" });
    });
    const created = await withService((db) =>
      db.query<{ day: string }>(
        "select distinct to_char((created_at at time zone 'Asia/Kolkata')::date, 'YYYY-MM-DD') as day from public.wallet_transactions where org_id = $1",
        [o.orgId],
      ),
    );
    const t = today();
    const r = await o.asUser((db) => orgAnalytics(db, o.orgId, analyticsQuerySchema.parse({ from: created.rows[0].day, to: t })));
    expect(r.totals).toMatchObject({ recharges_paise: 75_000, recharges: 2, outbound: 0 });
    expect(r.days.find((d) => d.day === created.rows[0].day)).toMatchObject({ recharges_paise: 75_000, recharges: 2 });
    expect(r.has_data).toBe(true);
  });

  it("defaults to the last 30 days ending today in India", () => {
    const q = analyticsQuerySchema.parse({});
    expect(q).toMatchObject({ to: today(), days: 30, channelId: null });
  });
});

describe("the rollup", () => {
  it("matches a direct count over messages after random status moves, refunds and concurrent folds", async () => {
    const o = await makeOrg();
    const channels = [await makeChannel(o.orgId, "One"), await makeChannel(o.orgId, "Two"), null];
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const statuses = ["pending", "sent", "delivered", "read", "failed"] as const;
    await withService(async (db) => {
      await credit(db, { orgId: o.orgId, amountPaise: 1_000_000, reference: `test:${randomUUID()}` });
      for (let i = 0; i < 120; i++) {
        const createdAt = new Date(Date.UTC(2024, 5, 1) + rand(5 * 24) * 3_600_000 + rand(3600) * 1000).toISOString();
        const channelId = channels[rand(3)];
        if (rand(4) === 0) await receiveMessage(db, { orgId: o.orgId, channelId, createdAt });
        else {
          const status = statuses[rand(5)];
          await sendMessage(db, { orgId: o.orgId, channelId, createdAt, status, feePaise: 10 + rand(3), refunded: status === "failed" && rand(2) === 0 });
        }
      }
    });
    // Several workers folding at once, in small batches.
    await Promise.all([1, 2, 3, 4].map(() => withService((db) => foldMessageStats(db, 37))));
    await Promise.all([1, 2, 3].map(() => foldAllMessageStats({ batch: 50 })));
    const fromRollup = await withService((db) =>
      db.query(
        `select day::text, channel_id, sum(pending)::int p, sum(sent)::int s, sum(delivered)::int d, sum(read)::int r,
                sum(failed)::int f, sum(inbound)::int i, sum(fees_paise)::int fee
         from (select * from public.message_stats_daily where org_id = $1
               union all select null, * from public.message_stats_delta where org_id = $1) s
         group by 1, 2 order by 1, 2`,
        [o.orgId],
      ),
    );
    const direct = await withService((db) =>
      db.query(
        `select ((created_at at time zone 'Asia/Kolkata')::date)::text as day, channel_id,
                (count(*) filter (where direction = 'outbound' and status = 'pending'))::int p,
                (count(*) filter (where direction = 'outbound' and status = 'sent'))::int s,
                (count(*) filter (where direction = 'outbound' and status = 'delivered'))::int d,
                (count(*) filter (where direction = 'outbound' and status = 'read'))::int r,
                (count(*) filter (where direction = 'outbound' and status = 'failed'))::int f,
                (count(*) filter (where direction = 'inbound'))::int i,
                sum(case when refunded then 0 else fee_paise end)::int fee
         from public.messages where org_id = $1 group by 1, 2 order by 1, 2`,
        [o.orgId],
      ),
    );
    expect(fromRollup.rows).toEqual(direct.rows);
    const left = await withService((db) =>
      db.query<{ n: number }>("select count(*)::int as n from public.message_stats_delta where org_id = $1", [o.orgId]),
    );
    expect(left.rows[0].n).toBe(0);
  });
});

/** Runs fn as the database owner (schema changes), in a transaction that is always rolled back. */
async function asOwnerRolledBack(fn: (db: Db) => Promise<void>): Promise<void> {
  const db = await getPool().connect();
  try {
    await db.query("begin");
    await fn(db);
  } finally {
    await db.query("rollback");
    db.release();
  }
}

describe("the rollup's keys", () => {
  it("groups by campaign (messages.campaign_id, installed by the campaigns migration)", async () => {
    const o = await makeOrg();
    const [k1, k2] = [randomUUID(), randomUUID()];
    // The campaigns migration added messages.campaign_id and reinstalled the triggers; no DDL here
    // (a schema lock held by a test deadlocks other files' queries on the shared database).
    await asOwnerRolledBack(async (db) => {
      // messages.campaign_id references campaigns (20261130200001_campaigns.sql).
      await db.query(
        `insert into public.campaigns (id, org_id, name, template_name, template_language, audience)
         select k, $1, 'Analytics ' || k, 'fixture', 'en_US', '{"type":"all"}' from unnest($2::uuid[]) k`,
        [o.orgId, [k1, k2]],
      );
      await credit(db, { orgId: o.orgId, amountPaise: 10_000, reference: `test:${randomUUID()}` });
      for (const [campaign, status] of [[k1, "read"], [k1, "delivered"], [k2, "failed"], [null, "sent"]] as const) {
        const id = await sendMessage(db, { orgId: o.orgId, channelId: null, createdAt: "2024-08-01T06:00:00Z", status });
        await db.query("update public.messages set campaign_id = $2 where id = $1", [id, campaign]);
      }
      const q = analyticsQuerySchema.parse({ from: "2024-08-01", to: "2024-08-01" });
      const by = await countsBy(db, o.orgId, q, "campaign");
      expect(by.get(k1)).toMatchObject({ read: 1, delivered: 1, fees_paise: 40 });
      expect(by.get(k2)).toMatchObject({ failed: 1 });
      expect(by.get(null)).toMatchObject({ sent: 1 });
    });
  });

  it("an organization's rollup rows go with it", async () => {
    const o = await makeOrg();
    await withService(async (db) => {
      await credit(db, { orgId: o.orgId, amountPaise: 1_000, reference: `test:${randomUUID()}` });
      await sendMessage(db, { orgId: o.orgId, channelId: null, createdAt: "2024-08-02T06:00:00Z", status: "read" });
    });
    const sql = `select (select count(*) from public.message_stats_daily where org_id = $1)::int
                      + (select count(*) from public.message_stats_delta where org_id = $1)::int as n`;
    expect((await withService((db) => db.query<{ n: number }>(sql, [o.orgId]))).rows[0].n).toBeGreaterThan(0);
    // The ledger is append-only, so the organization goes the way a cleanup would: its ledger rows
    // first with that trigger off, in a transaction that is rolled back afterwards.
    await asOwnerRolledBack(async (db) => {
      await db.query("set local session_replication_role = replica");
      await db.query("delete from public.wallet_transactions where org_id = $1", [o.orgId]);
      await db.query("set local session_replication_role = origin");
      await db.query("delete from public.organizations where id = $1", [o.orgId]);
      expect((await db.query<{ n: number }>(sql, [o.orgId])).rows[0].n).toBe(0);
    });
  });
});

describe("operator analytics", () => {
  it("is 404 for tenants and 401 without a session", async () => {
    const t = await makeOrg();
    expect((await get("/api/operator/analytics", `wa_session=${await signSession(t.user)}`)).status).toBe(404);
    expect((await get("/api/operator/analytics", "")).status).toBe(401);
  });

  it("reports revenue, messages and active organizations per day, and organizations by fees", async () => {
    const x = await makeOrg({ name: "Operator X" });
    const y = await makeOrg({ name: "Operator Y" });
    await withService(async (db) => {
      for (const org of [x, y]) await credit(db, { orgId: org.orgId, amountPaise: 10_000, reference: `test:${randomUUID()}` });
      await sendMessage(db, { orgId: x.orgId, channelId: null, createdAt: "2023-07-01T06:00:00Z", status: "read", feePaise: 25 });
      await sendMessage(db, { orgId: x.orgId, channelId: null, createdAt: "2023-07-01T07:00:00Z", status: "failed", feePaise: 25, refunded: true });
      await sendMessage(db, { orgId: x.orgId, channelId: null, createdAt: "2023-07-02T06:00:00Z", status: "delivered", feePaise: 25 });
      await sendMessage(db, { orgId: y.orgId, channelId: null, createdAt: "2023-07-01T08:00:00Z", status: "sent", feePaise: 100 });
      await receiveMessage(db, { orgId: y.orgId, channelId: null, createdAt: "2023-07-02T08:00:00Z" });
    });
    const res = await get("/api/operator/analytics?from=2023-07-01&to=2023-07-03", operatorCookie);
    expect(res.status).toBe(200);
    const d = res.body.data;
    expect(d.days).toEqual([
      { day: "2023-07-01", revenue_paise: 125, outbound: 3, inbound: 0, active_orgs: 2 },
      { day: "2023-07-02", revenue_paise: 25, outbound: 1, inbound: 1, active_orgs: 1 },
      { day: "2023-07-03", revenue_paise: 0, outbound: 0, inbound: 0, active_orgs: 0 },
    ]);
    expect(d.totals).toEqual({ revenue_paise: 150, outbound: 4, inbound: 1, active_orgs: 2 });
    expect(d.orgs.map((o: { name: string; fees_paise: number }) => [o.name, o.fees_paise])).toEqual([
      ["Operator Y", 100],
      ["Operator X", 50],
    ]);
    expect((await get("/api/operator/analytics?from=2023-07-03&to=2023-07-01", operatorCookie)).status).toBe(400);
  });
});
