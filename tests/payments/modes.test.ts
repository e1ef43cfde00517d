import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resetEnvCache, type Env } from "../../lib/config/env";
import { closePools } from "../../lib/db/pool";
import { withService } from "../../lib/db/tx";
import { razorpaySettings } from "../../lib/payments/razorpay";
import { credit, debit } from "../../lib/wallet/wallet";
import { serveRoutes } from "../helpers/serve-routes";
import { makeOrg, makeUser } from "../helpers/factories";
import * as readRoute from "../../app/api/notifications/[id]/read/route";
import { cookieFor, post, startHarness, type Harness } from "./harness";

const base = { NODE_ENV: "development", RECHARGE_MAX_PAISE: 1, APP_URL: "http://x" } as unknown as Env;
const sandboxEnv = { RAZORPAY_SANDBOX_URL: "http://127.0.0.1:1", SANDBOX_RAZORPAY_KEY_SECRET: "k", SANDBOX_RAZORPAY_WEBHOOK_SECRET: "w" };

describe("which Razorpay", () => {
  it("is live with all three live settings, sandbox without a key id where the sandbox is on, and off otherwise", () => {
    expect(razorpaySettings({ ...base, RAZORPAY_KEY_ID: "rzp_live_x", RAZORPAY_KEY_SECRET: "s", RAZORPAY_WEBHOOK_SECRET: "w", ...sandboxEnv })).toMatchObject({
      mode: "live",
      apiUrl: null,
    });
    expect(razorpaySettings({ ...base, ...sandboxEnv })).toMatchObject({ mode: "sandbox", apiUrl: "http://127.0.0.1:1", keySecret: "k" });
    // Production: the sandbox is off unless explicitly enabled.
    expect(razorpaySettings({ ...base, NODE_ENV: "production", ...sandboxEnv })).toBeNull();
    expect(razorpaySettings({ ...base, NODE_ENV: "production", SANDBOX_ENABLED: "true", ...sandboxEnv })).toMatchObject({ mode: "sandbox" });
    // A half-configured live setup never silently falls back to the sandbox.
    expect(razorpaySettings({ ...base, RAZORPAY_KEY_ID: "rzp_live_x", ...sandboxEnv })).toBeNull();
    expect(razorpaySettings({ ...base })).toBeNull();
  });
});

describe("sandbox routes and notices", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
    await closePools();
  });

  it("the sandbox pay route completes an order for its own organization's admins only, and is 404 in production", async () => {
    const org = await makeOrg();
    const cookie = await cookieFor(org.user);
    const started = (await (await post(`${h.app}/api/wallet/recharge`, { amount_paise: 10_000 }, { cookie })).json()) as {
      order_id: string;
      payment_id: string;
    };
    const other = await makeOrg();
    const stranger = await post(`${h.app}/api/sandbox/razorpay/pay`, { order_id: started.order_id, outcome: "success" }, { cookie: await cookieFor(other.user) });
    expect(stranger.status).toBe(404);
    (process.env as Record<string, string>).NODE_ENV = "production";
    resetEnvCache();
    try {
      const off = await post(`${h.app}/api/sandbox/razorpay/pay`, { order_id: started.order_id, outcome: "success" }, { cookie });
      expect(off.status).toBe(404);
    } finally {
      (process.env as Record<string, string>).NODE_ENV = "test";
      resetEnvCache();
    }
    const res = await post(`${h.app}/api/sandbox/razorpay/pay`, { order_id: started.order_id, outcome: "success" }, { cookie });
    expect(res.status).toBe(200);
    const paid = (await res.json()) as Record<string, string>;
    expect(paid).toMatchObject({ outcome: "paid", payment_id: started.payment_id, razorpay_order_id: started.order_id });
    const verified = await post(`${h.app}/api/wallet/recharge/verify`, { payment_id: started.payment_id, ...paid }, { cookie });
    expect(verified.status).toBe(200);
    await h.sandbox.idle();
    const again = await post(`${h.app}/api/sandbox/razorpay/pay`, { order_id: started.order_id, outcome: "success" }, { cookie });
    expect(again.status).toBe(409);
  });

  it("a member dismisses the organization's low-balance notice; nobody else can", async () => {
    const routes = await serveRoutes({ "/api/notifications/[id]/read": readRoute });
    try {
      const org = await makeOrg();
      await withService(async (db) => {
        await credit(db, { orgId: org.orgId, amountPaise: 10_000, reference: `test:${crypto.randomUUID()}` });
        await debit(db, { orgId: org.orgId, amountPaise: 20, reference: `msg:${crypto.randomUUID()}` });
      });
      const id = (await withService((db) => db.query<{ id: number }>("select id from public.notifications where org_id = $1", [org.orgId]))).rows[0].id;
      const outsider = await makeUser();
      const notMine = await fetch(`${routes.url}/api/notifications/${id}/read`, { method: "POST", headers: { cookie: await cookieFor(outsider) } });
      expect(notMine.status).toBe(403); // no organization at all
      const otherOrg = await makeOrg();
      const foreign = await fetch(`${routes.url}/api/notifications/${id}/read`, { method: "POST", headers: { cookie: await cookieFor(otherOrg.user) } });
      expect(foreign.status).toBe(404);
      const res = await fetch(`${routes.url}/api/notifications/${id}/read`, { method: "POST", headers: { cookie: await cookieFor(org.user) } });
      expect(res.status).toBe(204);
      const wallet = await fetch(`${h.app}/api/wallet`, { headers: { cookie: await cookieFor(org.user) } });
      expect(await wallet.json()).toMatchObject({ level: "low", low_balance_notice: null });
    } finally {
      await routes.close();
    }
  });
});
