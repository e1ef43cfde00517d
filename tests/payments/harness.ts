import { randomUUID } from "node:crypto";
import { resetEnvCache } from "../../lib/config/env";
import { signSession } from "../../lib/auth/session";
import { withService } from "../../lib/db/tx";
import { webhookSignature } from "../../lib/payments/signature";
import { startRazorpaySandbox, type RazorpaySandbox } from "../../lib/sandbox/razorpay-server";
import { serveRoutes } from "../helpers/serve-routes";
import * as webhookRoute from "../../app/api/razorpay/webhook/route";
import * as rechargeRoute from "../../app/api/wallet/recharge/route";
import * as verifyRoute from "../../app/api/wallet/recharge/verify/route";
import * as walletRoute from "../../app/api/wallet/route";
import * as exportRoute from "../../app/api/wallet/transactions/export/route";
import * as thresholdRoute from "../../app/api/settings/low-balance/route";
import * as sandboxPayRoute from "../../app/api/sandbox/razorpay/pay/route";

/**
 * The payment routes served over real HTTP, with a sandbox Razorpay on loopback that the real SDK
 * talks to and that delivers signed webhooks back to the webhook route.
 */
export interface Harness {
  app: string;
  sandbox: RazorpaySandbox;
  close(): Promise<void>;
}

export async function startHarness(opts: { webhooks?: boolean } = {}): Promise<Harness> {
  const app = await serveRoutes({
    "/api/razorpay/webhook": webhookRoute,
    "/api/wallet/recharge": rechargeRoute,
    "/api/wallet/recharge/verify": verifyRoute,
    "/api/wallet": walletRoute,
    "/api/wallet/transactions/export": exportRoute,
    "/api/settings/low-balance": thresholdRoute,
    "/api/sandbox/razorpay/pay": sandboxPayRoute,
  });
  const sandbox = await startRazorpaySandbox({
    webhookUrl: `${app.url}/api/razorpay/webhook`,
    keySecret: `test-key-secret-${randomUUID()}`,
    webhookSecret: `test-webhook-secret-${randomUUID()}`,
    retryBaseMs: 20,
    maxAttempts: opts.webhooks === false ? 0 : 3,
  });
  delete process.env.RAZORPAY_KEY_ID;
  delete process.env.RAZORPAY_KEY_SECRET;
  delete process.env.RAZORPAY_WEBHOOK_SECRET;
  process.env.RAZORPAY_SANDBOX_URL = sandbox.url;
  process.env.SANDBOX_RAZORPAY_KEY_SECRET = sandbox.keySecret;
  process.env.SANDBOX_RAZORPAY_WEBHOOK_SECRET = sandbox.webhookSecret;
  resetEnvCache();
  return {
    app: app.url,
    sandbox,
    close: async () => {
      await sandbox.stop();
      await app.close();
    },
  };
}

export async function cookieFor(user: { id: string; email: string }): Promise<string> {
  return `wa_session=${await signSession(user)}`;
}

export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
}

/** A Razorpay webhook delivery: signed with the webhook secret unless told otherwise. */
export async function deliverWebhook(
  h: Harness,
  event: string,
  payload: Record<string, unknown>,
  opts: { eventId?: string; signature?: string | null; body?: string } = {},
): Promise<Response> {
  const body =
    opts.body ??
    JSON.stringify({ entity: "event", account_id: "acc_test", event, contains: Object.keys(payload), payload, created_at: 1 });
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "x-razorpay-event-id": opts.eventId ?? `evt_${randomUUID()}`,
  };
  const sig = opts.signature === undefined ? webhookSignature(body, h.sandbox.webhookSecret) : opts.signature;
  if (sig !== null) headers["x-razorpay-signature"] = sig;
  return fetch(`${h.app}/api/razorpay/webhook`, { method: "POST", headers, body });
}

export function paymentEntity(p: { id: string; order_id: string; amount: number; status?: string; captured?: boolean }) {
  return {
    id: p.id,
    entity: "payment",
    amount: p.amount,
    currency: "INR",
    status: p.status ?? "captured",
    order_id: p.order_id,
    captured: p.captured ?? (p.status ?? "captured") !== "failed",
    method: "upi",
    error_description: p.status === "failed" ? "Card declined" : null,
  };
}

export async function books(orgId: string) {
  return withService(async (db) => {
    const wallet = await db.query<{ balance_paise: number }>("select balance_paise from public.wallets where org_id = $1", [orgId]);
    const ledger = await db.query<{ kind: string; amount_paise: number; reference: string; payment_id: string | null }>(
      "select kind, amount_paise, reference, payment_id from public.wallet_transactions where org_id = $1 order by id",
      [orgId],
    );
    const payments = await db.query<{ id: string; status: string; payment_id: string | null; refunded_paise: number; order_id: string }>(
      "select id, status, payment_id, refunded_paise, order_id from public.payments where org_id = $1 order by created_at",
      [orgId],
    );
    return { balance: wallet.rows[0].balance_paise, ledger: ledger.rows, payments: payments.rows };
  });
}

export async function eventStored(eventId: string): Promise<boolean> {
  return withService(async (db) => {
    const { rowCount } = await db.query("select 1 from public.webhook_events where source = 'razorpay' and event_id = $1", [eventId]);
    return (rowCount ?? 0) > 0;
  });
}
