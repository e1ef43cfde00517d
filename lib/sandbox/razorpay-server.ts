import { randomBytes, timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { checkoutSignature, webhookSignature } from "../payments/signature";
import { SANDBOX_KEY_ID } from "../payments/razorpay";

/**
 * A sandbox Razorpay on loopback: the part of Razorpay's REST API our code calls through the real
 * `razorpay` SDK (orders create/fetch, payments of an order, payment fetch and refund), with HTTP
 * Basic auth on the key id and secret, plus the part of Razorpay that happens in the customer's
 * browser: completing or failing a payment, which answers with a correctly signed Checkout callback
 * and delivers correctly signed webhooks (payment.captured, order.paid, payment.failed,
 * refund.processed) to the app, retrying on failure as Razorpay does. State lives in memory.
 *
 * Control routes (not Razorpay's; same Basic auth): POST /_sandbox/orders/:id/pay
 * {outcome: "success" | "failure", webhooks?: "deliver" | "drop"}.
 */

export interface RazorpaySandbox {
  url: string;
  keyId: string;
  keySecret: string;
  webhookSecret: string;
  /** Resolves once every webhook queued so far was delivered or given up on. */
  idle(): Promise<void>;
  /** Every delivery attempt, newest last (for tests and debugging). */
  deliveries: Array<{ event: string; eventId: string; status: number | null }>;
  stop(): Promise<void>;
}

interface Order {
  id: string;
  entity: "order";
  amount: number;
  amount_paid: number;
  amount_due: number;
  currency: string;
  receipt: string | null;
  offer_id: null;
  status: "created" | "attempted" | "paid";
  attempts: number;
  notes: Record<string, string> | [];
  created_at: number;
}

interface Payment {
  id: string;
  entity: "payment";
  amount: number;
  currency: string;
  status: "captured" | "failed" | "refunded";
  order_id: string;
  method: "upi";
  captured: boolean;
  amount_refunded: number;
  refund_status: "partial" | "full" | null;
  description: string;
  email: string;
  contact: string;
  notes: Record<string, string> | [];
  error_code: string | null;
  error_description: string | null;
  error_reason: string | null;
  created_at: number;
}

interface Refund {
  id: string;
  entity: "refund";
  amount: number;
  currency: string;
  payment_id: string;
  notes: Record<string, string> | [];
  status: "processed";
  speed_processed: "normal";
  created_at: number;
}

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
function rzpId(prefix: string): string {
  const bytes = randomBytes(14);
  return `${prefix}_${Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]).join("")}`;
}
const now = () => Math.floor(Date.now() / 1000);

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly description: string,
  ) {
    super(description);
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export async function startRazorpaySandbox(opts: {
  webhookUrl: string;
  keySecret?: string;
  webhookSecret?: string;
  port?: number;
  /** Delivery attempts per webhook (Razorpay retries for 24 hours; a sandbox gives up sooner). */
  maxAttempts?: number;
  retryBaseMs?: number;
}): Promise<RazorpaySandbox> {
  const keyId = SANDBOX_KEY_ID;
  const keySecret = opts.keySecret ?? randomBytes(24).toString("base64url");
  const webhookSecret = opts.webhookSecret ?? randomBytes(24).toString("base64url");
  const maxAttempts = opts.maxAttempts ?? 6;
  const retryBaseMs = opts.retryBaseMs ?? 500;
  const orders = new Map<string, Order>();
  const payments = new Map<string, Payment>();
  const refunds = new Map<string, Refund>();
  const deliveries: RazorpaySandbox["deliveries"] = [];
  const pending = new Set<Promise<void>>();
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  async function deliverOne(event: string, payload: Record<string, unknown>): Promise<void> {
    const eventId = rzpId("evt");
    const body = JSON.stringify({
      entity: "event",
      account_id: "acc_Sandbox00000000",
      event,
      contains: Object.keys(payload),
      payload,
      created_at: now(),
    });
    for (let attempt = 1; attempt <= maxAttempts && !stopped; attempt++) {
      let status: number | null = null;
      try {
        const res = await fetch(opts.webhookUrl, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-razorpay-signature": webhookSignature(body, webhookSecret),
            "x-razorpay-event-id": eventId,
            "user-agent": "Razorpay-Webhook/v1 (sandbox)",
          },
          body,
          signal: AbortSignal.timeout(5_000),
        });
        status = res.status;
        await res.arrayBuffer().catch(() => undefined);
      } catch {
        status = null;
      }
      deliveries.push({ event, eventId, status });
      if (status !== null && status >= 200 && status < 300) return;
      if (attempt < maxAttempts) await sleep(retryBaseMs * 2 ** (attempt - 1));
    }
  }

  /** Webhooks for one happening go out one after another, in Razorpay's usual order. */
  function deliver(events: Array<[string, Record<string, unknown>]>) {
    const p = (async () => {
      for (const [event, payload] of events) await deliverOne(event, payload);
    })().finally(() => pending.delete(p));
    pending.add(p);
  }

  function requireOrder(id: string): Order {
    const o = orders.get(id);
    if (!o) throw new HttpError(400, "The id provided does not exist");
    return o;
  }

  function pay(order: Order, outcome: "success" | "failure", webhooks: "deliver" | "drop") {
    if (order.status === "paid") throw new HttpError(400, "Order has already been paid");
    order.attempts++;
    const base = {
      id: rzpId("pay"),
      entity: "payment" as const,
      amount: order.amount,
      currency: order.currency,
      order_id: order.id,
      method: "upi" as const,
      amount_refunded: 0,
      refund_status: null,
      description: "Wallet recharge (sandbox)",
      email: "sandbox@example.com",
      contact: "+919999999999",
      notes: order.notes,
      created_at: now(),
    };
    if (outcome === "failure") {
      const p: Payment = {
        ...base,
        status: "failed",
        captured: false,
        error_code: "BAD_REQUEST_ERROR",
        error_description: "Payment failed in the sandbox checkout",
        error_reason: "payment_failed",
      };
      payments.set(p.id, p);
      order.status = "attempted";
      if (webhooks === "deliver") deliver([["payment.failed", { payment: { entity: p } }]]);
      return {
        outcome: "failed",
        error: {
          code: "BAD_REQUEST_ERROR",
          description: p.error_description,
          source: "customer",
          step: "payment_authorization",
          reason: "payment_failed",
          metadata: { order_id: order.id, payment_id: p.id },
        },
      };
    }
    const p: Payment = { ...base, status: "captured", captured: true, error_code: null, error_description: null, error_reason: null };
    payments.set(p.id, p);
    order.status = "paid";
    order.amount_paid = order.amount;
    order.amount_due = 0;
    if (webhooks === "deliver") {
      deliver([
        ["payment.captured", { payment: { entity: p } }],
        ["order.paid", { payment: { entity: p }, order: { entity: order } }],
      ]);
    }
    return {
      outcome: "paid",
      razorpay_payment_id: p.id,
      razorpay_order_id: order.id,
      razorpay_signature: checkoutSignature(order.id, p.id, keySecret),
    };
  }

  function refund(payment: Payment, amount: number | undefined, notes: Record<string, string> | undefined) {
    if (payment.status !== "captured") throw new HttpError(400, "The payment has been fully refunded already or was not captured");
    const amt = amount ?? payment.amount - payment.amount_refunded;
    if (!Number.isInteger(amt) || amt < 100 || amt > payment.amount - payment.amount_refunded) {
      throw new HttpError(400, "The refund amount provided is greater than amount captured");
    }
    const r: Refund = {
      id: rzpId("rfnd"),
      entity: "refund",
      amount: amt,
      currency: payment.currency,
      payment_id: payment.id,
      notes: notes ?? [],
      status: "processed",
      speed_processed: "normal",
      created_at: now(),
    };
    refunds.set(r.id, r);
    payment.amount_refunded += amt;
    payment.refund_status = payment.amount_refunded >= payment.amount ? "full" : "partial";
    if (payment.amount_refunded >= payment.amount) payment.status = "refunded";
    deliver([
      ["refund.created", { refund: { entity: r }, payment: { entity: payment } }],
      ["refund.processed", { refund: { entity: r }, payment: { entity: payment } }],
    ]);
    return r;
  }

  async function route(method: string, path: string, body: Record<string, unknown>): Promise<unknown> {
    let m: RegExpMatchArray | null;
    if (method === "POST" && path === "/v1/orders") {
      const amount = body.amount;
      if (typeof amount !== "number" || !Number.isInteger(amount) || amount < 100) {
        throw new HttpError(400, "The amount must be atleast INR 1.00");
      }
      if (body.currency !== "INR") throw new HttpError(400, "Currency is not supported");
      const receipt = typeof body.receipt === "string" ? body.receipt : null;
      if (receipt && receipt.length > 40) throw new HttpError(400, "receipt may not be greater than 40 characters.");
      const notes = (body.notes ?? []) as Record<string, string> | [];
      if (Object.keys(notes).length > 15) throw new HttpError(400, "Number of notes is more than 15");
      const o: Order = {
        id: rzpId("order"),
        entity: "order",
        amount,
        amount_paid: 0,
        amount_due: amount,
        currency: "INR",
        receipt,
        offer_id: null,
        status: "created",
        attempts: 0,
        notes,
        created_at: now(),
      };
      orders.set(o.id, o);
      return o;
    }
    if (method === "GET" && (m = path.match(/^\/v1\/orders\/([^/]+)\/payments$/))) {
      requireOrder(m[1]);
      const items = [...payments.values()].filter((p) => p.order_id === m![1]);
      return { entity: "collection", count: items.length, items };
    }
    if (method === "GET" && (m = path.match(/^\/v1\/orders\/([^/]+)$/))) return requireOrder(m[1]);
    if (method === "GET" && (m = path.match(/^\/v1\/payments\/([^/]+)$/))) {
      const p = payments.get(m[1]);
      if (!p) throw new HttpError(400, "The id provided does not exist");
      return p;
    }
    if (method === "POST" && (m = path.match(/^\/v1\/payments\/([^/]+)\/refund$/))) {
      const p = payments.get(m[1]);
      if (!p) throw new HttpError(400, "The id provided does not exist");
      return refund(p, body.amount as number | undefined, body.notes as Record<string, string> | undefined);
    }
    if (method === "POST" && (m = path.match(/^\/_sandbox\/orders\/([^/]+)\/pay$/))) {
      const outcome = body.outcome === "failure" ? "failure" : "success";
      const webhooks = body.webhooks === "drop" ? "drop" : "deliver";
      return pay(requireOrder(m[1]), outcome, webhooks);
    }
    throw new HttpError(404, "The requested URL was not found on the server.");
  }

  const expectedAuth = `Basic ${Buffer.from(`${keyId}:${keySecret}`).toString("base64")}`;
  const server = http.createServer(async (req, res) => {
    const send = (status: number, data: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(data));
    };
    try {
      if (!safeEqual(req.headers.authorization ?? "", expectedAuth)) {
        throw new HttpError(401, "Authentication failed");
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const c of req) {
        size += (c as Buffer).length;
        if (size > 64 * 1024) throw new HttpError(413, "Request too large");
        chunks.push(c as Buffer);
      }
      let body: Record<string, unknown> = {};
      if (chunks.length) {
        try {
          body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
        } catch {
          throw new HttpError(400, "The request body is not valid JSON");
        }
      }
      const url = new URL(req.url ?? "/", "http://sandbox.local");
      send(200, await route(req.method ?? "GET", url.pathname, body));
    } catch (err) {
      const e = err instanceof HttpError ? err : new HttpError(500, "Sandbox error");
      send(e.status, { error: { code: e.status >= 500 ? "SERVER_ERROR" : "BAD_REQUEST_ERROR", description: e.description } });
    }
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    keyId,
    keySecret,
    webhookSecret,
    deliveries,
    idle: async () => {
      while (pending.size) await Promise.all([...pending]);
    },
    stop: async () => {
      stopped = true;
      timers.forEach((t) => clearTimeout(t));
      timers.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * For the launcher: starts the sandbox Razorpay when recharges run in sandbox mode (no live
 * RAZORPAY_KEY_ID, sandbox enabled), and returns the environment the app and worker need.
 */
export async function startRazorpaySandboxForApp(appUrl: string): Promise<{ env: Record<string, string>; stop(): Promise<void> } | null> {
  const e = process.env;
  const enabled = e.SANDBOX_ENABLED ? e.SANDBOX_ENABLED === "true" : e.NODE_ENV !== "production";
  if (e.RAZORPAY_KEY_ID || !enabled) return null;
  const sandbox = await startRazorpaySandbox({
    webhookUrl: new URL("/api/razorpay/webhook", appUrl).toString(),
    keySecret: e.SANDBOX_RAZORPAY_KEY_SECRET,
    webhookSecret: e.SANDBOX_RAZORPAY_WEBHOOK_SECRET,
  });
  return {
    env: {
      RAZORPAY_SANDBOX_URL: sandbox.url,
      SANDBOX_RAZORPAY_KEY_SECRET: sandbox.keySecret,
      SANDBOX_RAZORPAY_WEBHOOK_SECRET: sandbox.webhookSecret,
    },
    stop: sandbox.stop,
  };
}
