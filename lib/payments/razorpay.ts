import Razorpay from "razorpay";
import { env, razorpayLive, sandboxEnabled, type Env } from "../config/env";
import { ApiError } from "../http/errors";

/**
 * Which Razorpay this process talks to.
 * - live: RAZORPAY_KEY_ID, RAZORPAY_KEY_SECRET and RAZORPAY_WEBHOOK_SECRET are all set.
 * - sandbox: RAZORPAY_KEY_ID unset and sandboxEnabled(): the same SDK, pointed at the sandbox
 *   Razorpay API (lib/sandbox/razorpay-server.ts) whose URL and secrets the launcher provides.
 * - null: neither (a half-configured live setup, or production without the sandbox): recharges are off.
 */
export interface RazorpaySettings {
  mode: "live" | "sandbox";
  keyId: string;
  keySecret: string;
  webhookSecret: string;
  /** Base URL for the SDK; null keeps the SDK's own (https://api.razorpay.com). */
  apiUrl: string | null;
}

/** The key id the sandbox accepts. Not a secret: Razorpay key ids are shown to browsers too. */
export const SANDBOX_KEY_ID = "rzp_test_sandbox";

export function razorpaySettings(e: Env = env()): RazorpaySettings | null {
  if (razorpayLive(e)) {
    return {
      mode: "live",
      keyId: e.RAZORPAY_KEY_ID!,
      keySecret: e.RAZORPAY_KEY_SECRET!,
      webhookSecret: e.RAZORPAY_WEBHOOK_SECRET!,
      apiUrl: null,
    };
  }
  if (e.RAZORPAY_KEY_ID || !sandboxEnabled(e)) return null;
  if (!e.RAZORPAY_SANDBOX_URL || !e.SANDBOX_RAZORPAY_KEY_SECRET || !e.SANDBOX_RAZORPAY_WEBHOOK_SECRET) return null;
  return {
    mode: "sandbox",
    keyId: SANDBOX_KEY_ID,
    keySecret: e.SANDBOX_RAZORPAY_KEY_SECRET,
    webhookSecret: e.SANDBOX_RAZORPAY_WEBHOOK_SECRET,
    apiUrl: e.RAZORPAY_SANDBOX_URL,
  };
}

export function requireRazorpay(e: Env = env()): RazorpaySettings {
  const s = razorpaySettings(e);
  if (!s) {
    throw new ApiError(
      503,
      "payments_unavailable",
      "Recharges are not available: Razorpay is not configured (set RAZORPAY_KEY_ID, RAZORPAY_KEY_SECRET and RAZORPAY_WEBHOOK_SECRET).",
    );
  }
  return s;
}

// The entities we read, as Razorpay documents them (https://razorpay.com/docs/api/orders/,
// https://razorpay.com/docs/api/payments/). Amounts are integer paise.
export interface RazorpayOrder {
  id: string;
  entity: "order";
  amount: number;
  amount_paid: number;
  amount_due: number;
  currency: string;
  receipt: string | null;
  status: "created" | "attempted" | "paid";
  notes: Record<string, string> | [];
  created_at: number;
}

export interface RazorpayPayment {
  id: string;
  entity: "payment";
  order_id: string | null;
  amount: number;
  currency: string;
  status: "created" | "authorized" | "captured" | "refunded" | "failed";
  captured?: boolean;
  amount_refunded?: number;
  error_code?: string | null;
  error_description?: string | null;
  created_at?: number;
}

export interface RazorpayRefund {
  id: string;
  entity: "refund";
  amount: number;
  currency: string;
  payment_id: string;
  status: string;
}

/**
 * The SDK (razorpay 2.9) hard-codes its host ('https://api.razorpay.com' in dist/razorpay.js) and
 * sends every call through one axios instance, `instance.api.rq` (dist/api.js), whose baseURL
 * axios lets us change. That is how the sandbox gets the very same SDK code path as live: only the
 * base URL differs. We also give it a timeout, which the SDK leaves unset.
 */
interface SdkInternals {
  api: { rq: { defaults: { baseURL?: string; timeout?: number } } };
}

const clients = new Map<string, Razorpay>();

export function razorpayClient(s: RazorpaySettings): Razorpay {
  const key = `${s.mode}|${s.keyId}|${s.apiUrl ?? ""}|${s.keySecret}`;
  let client = clients.get(key);
  if (!client) {
    client = new Razorpay({ key_id: s.keyId, key_secret: s.keySecret });
    const rq = (client as unknown as SdkInternals).api?.rq;
    if (!rq?.defaults) throw new Error("razorpay SDK internals changed: cannot set its base URL or timeout");
    rq.defaults.timeout = 10_000;
    if (s.apiUrl) rq.defaults.baseURL = s.apiUrl;
    clients.set(key, client);
  }
  return client;
}

/** A failed call to Razorpay, with what Razorpay said (the SDK throws plain objects or TypeErrors). */
export class RazorpayError extends Error {
  constructor(
    message: string,
    readonly statusCode: number | null,
  ) {
    super(message);
  }
}

async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const e = err as { statusCode?: number; error?: { description?: string }; message?: string };
    const detail = e?.error?.description ?? e?.message ?? "no response";
    throw new RazorpayError(`Razorpay ${what} failed: ${detail}`, typeof e?.statusCode === "number" ? e.statusCode : null);
  }
}

export function createOrder(
  s: RazorpaySettings,
  args: { amountPaise: number; receipt: string; notes: Record<string, string> },
): Promise<RazorpayOrder> {
  if (args.receipt.length > 40) throw new Error("Razorpay receipts are at most 40 characters");
  return call("orders.create", async () =>
    (await razorpayClient(s).orders.create({
      amount: args.amountPaise,
      currency: "INR",
      receipt: args.receipt,
      notes: args.notes,
    })) as unknown as RazorpayOrder,
  );
}

export function fetchOrder(s: RazorpaySettings, orderId: string): Promise<RazorpayOrder> {
  return call("orders.fetch", async () => (await razorpayClient(s).orders.fetch(orderId)) as unknown as RazorpayOrder);
}

/** Every payment attempted against an order (GET /v1/orders/:id/payments). */
export function fetchOrderPayments(s: RazorpaySettings, orderId: string): Promise<RazorpayPayment[]> {
  return call("orders.fetchPayments", async () => {
    const res = (await razorpayClient(s).orders.fetchPayments(orderId)) as unknown as { items?: RazorpayPayment[] };
    return res.items ?? [];
  });
}
