import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signSession } from "../lib/auth/session";
import { closePools } from "../lib/db/pool";
import { withService } from "../lib/db/tx";
import { listOrganizations, revenueByDay } from "../lib/operator/operator";
import { credit, debit, refund } from "../lib/wallet/wallet";
import { makeOperatorCookie, makeOrg } from "./helpers/factories";
import { serveRoutes } from "./helpers/serve-routes";
import * as orgs from "../app/api/operator/orgs/route";
import * as org from "../app/api/operator/orgs/[id]/route";
import * as adjustments from "../app/api/operator/orgs/[id]/adjustments/route";
import * as revenue from "../app/api/operator/revenue/route";

let server: Awaited<ReturnType<typeof serveRoutes>>;
let operatorCookie: string;
beforeAll(async () => {
  server = await serveRoutes({
    "/api/operator/orgs": orgs,
    "/api/operator/orgs/[id]": org,
    "/api/operator/orgs/[id]/adjustments": adjustments,
    "/api/operator/revenue": revenue,
  });
  operatorCookie = await makeOperatorCookie();
});
afterAll(async () => {
  await server.close();
  await closePools();
});

async function call(path: string, cookie: string, init: { method?: string; body?: unknown } = {}) {
  const res = await fetch(server.url + path, {
    method: init.method ?? "GET",
    headers: { cookie, "content-type": "application/json" },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

describe("operator console API", () => {
  it("is invisible to tenants (404) and needs a session (401)", async () => {
    const tenant = await makeOrg();
    const cookie = `wa_session=${await signSession(tenant.user)}`;
    expect((await call("/api/operator/orgs", cookie)).status).toBe(404);
    expect((await call(`/api/operator/orgs/${tenant.orgId}`, cookie, { method: "PATCH", body: { status: "suspended" } })).status).toBe(404);
    expect((await call("/api/operator/orgs", "")).status).toBe(401);
  });

  it("lists organizations with balance and this month's net fees", async () => {
    const t = await makeOrg();
    await withService(async (db) => {
      await credit(db, { orgId: t.orgId, amountPaise: 1000, reference: `test:${randomUUID()}` });
      const ref = `msg:${randomUUID()}`;
      await debit(db, { orgId: t.orgId, amountPaise: 20, reference: ref });
      await debit(db, { orgId: t.orgId, amountPaise: 20, reference: `msg:${randomUUID()}` });
      await refund(db, { debitReference: ref });
    });
    const res = await call("/api/operator/orgs", operatorCookie);
    const row = res.body.data.find((o: { id: string }) => o.id === t.orgId);
    expect(row).toMatchObject({ balance_paise: 980, fees_this_month_paise: 20, service_fee_paise: 20, status: "active" });
  });

  it("sets the fee, suspends, and refuses bad values with a message", async () => {
    const t = await makeOrg();
    expect((await call(`/api/operator/orgs/${t.orgId}`, operatorCookie, { method: "PATCH", body: { service_fee_paise: 35 } })).status).toBe(200);
    const bad = await call(`/api/operator/orgs/${t.orgId}`, operatorCookie, { method: "PATCH", body: { service_fee_paise: 1.5 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/whole number/);
    expect((await call(`/api/operator/orgs/${t.orgId}`, operatorCookie, { method: "PATCH", body: { status: "suspended" } })).status).toBe(200);
    const row = await withService((db) => db.query("select service_fee_paise, status from public.organizations where id = $1", [t.orgId]));
    expect(row.rows[0]).toEqual({ service_fee_paise: 35, status: "suspended" });
    expect((await call(`/api/operator/orgs/${randomUUID()}`, operatorCookie, { method: "PATCH", body: { status: "active" } })).status).toBe(404);
  });

  it("credits and debits with a reason as adjustment entries, never below zero", async () => {
    const t = await makeOrg();
    const up = await call(`/api/operator/orgs/${t.orgId}/adjustments`, operatorCookie, {
      method: "POST",
      body: { amount_paise: 5000, reason: "Goodwill credit" },
    });
    expect(up).toMatchObject({ status: 201, body: { balance_paise: 5000 } });
    const tooMuch = await call(`/api/operator/orgs/${t.orgId}/adjustments`, operatorCookie, {
      method: "POST",
      body: { amount_paise: -5001, reason: "Correction" },
    });
    expect(tooMuch.status).toBe(409);
    const noReason = await call(`/api/operator/orgs/${t.orgId}/adjustments`, operatorCookie, {
      method: "POST",
      body: { amount_paise: 100, reason: "" },
    });
    expect(noReason.status).toBe(400);
    const ledger = await withService((db) =>
      db.query("select kind, amount_paise, description from public.wallet_transactions where org_id = $1", [t.orgId]),
    );
    expect(ledger.rows).toEqual([{ kind: "adjustment", amount_paise: 5000, description: "Goodwill credit" }]);
  });

  it("counts months and days in India time, whatever the session's time zone", async () => {
    const t = await makeOrg();
    const ledger = (at: string, paise: number) =>
      withService((db) =>
        db.query(
          `insert into public.wallet_transactions (org_id, kind, amount_paise, balance_after_paise, reference, created_at)
           values ($1, 'debit', $2, 0, $3, ${at})`,
          [t.orgId, -paise, `test:${randomUUID()}`],
        ),
      );
    const inNewYork = <T>(fn: (db: Parameters<Parameters<typeof withService>[0]>[0]) => Promise<T>) =>
      withService(async (db) => {
        await db.query("set local time zone 'America/New_York'");
        return fn(db);
      });
    // A fee a minute into this India month counts for the month; one a minute before it does not.
    const monthStart = "date_trunc('month', now() at time zone 'Asia/Kolkata') at time zone 'Asia/Kolkata'";
    await ledger(`${monthStart} + interval '1 minute'`, 11);
    await ledger(`${monthStart} - interval '1 minute'`, 1000);
    const row = (await inNewYork(listOrganizations)).find((o) => o.id === t.orgId);
    expect(row?.fees_this_month_paise).toBe(11);

    // Revenue days: a fee at 00:01 IST twenty days ago is that day's, one at 23:59 IST the day before, the day before's.
    const before = await inNewYork((db) => revenueByDay(db, 30));
    const day = (back: number) => `((now() at time zone 'Asia/Kolkata')::date - ${back})::timestamp at time zone 'Asia/Kolkata'`;
    await ledger(`${day(20)} + interval '1 minute'`, 7777);
    await ledger(`${day(20)} - interval '1 minute'`, 3333);
    const after = await inNewYork((db) => revenueByDay(db, 30));
    const { rows: [today] } = await withService((db) => db.query<{ d: string }>("select to_char((now() at time zone 'Asia/Kolkata')::date, 'YYYY-MM-DD') as d"));
    expect(after[0].day).toBe(today.d);
    const added = after.map((a, i) => Number(a.fees_paise) - Number(before[i].fees_paise));
    expect(added[20]).toBe(7777);
    expect(added[21]).toBe(3333);
    expect([added[19], added[22]]).toEqual([0, 0]);
  });

  it("reports revenue per day", async () => {
    const res = await call("/api/operator/revenue?days=7", operatorCookie);
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(7);
    expect(res.body.data[0].fees_paise).toBeGreaterThanOrEqual(20);
    expect((await call("/api/operator/revenue?days=0", operatorCookie)).status).toBe(400);
  });
});
