import { randomUUID } from "node:crypto";
import { z } from "zod";
import { env } from "../config/env";
import { withService } from "../db/tx";
import { ApiError } from "../http/errors";
import { logger } from "../log";
import { formatPaise } from "../money/format";
import { createOrder, RazorpayError, requireRazorpay, type RazorpaySettings } from "./razorpay";
import { settleCapturedPayment } from "./settle";
import { verifyCheckoutSignature } from "./signature";

const log = logger.child({ component: "recharge" });

/** Razorpay's floor for an order is ₹1 (100 paise). */
export const MIN_RECHARGE_PAISE = 100;
/** How many orders one organization may open in an hour (each one is a call to Razorpay). */
export const MAX_ORDERS_PER_HOUR = 30;

export function rechargeSchema(maxPaise = env().RECHARGE_MAX_PAISE) {
  return z.object({
    amount_paise: z
      .number({ error: "amount_paise must be a whole number of paise" })
      .int("amount_paise must be a whole number of paise")
      .min(MIN_RECHARGE_PAISE, `The smallest recharge is ${formatPaise(MIN_RECHARGE_PAISE)}`)
      .max(maxPaise, `The largest recharge is ${formatPaise(maxPaise)}`),
  });
}

export interface StartedRecharge {
  payment_id: string;
  order_id: string;
  amount_paise: number;
  currency: "INR";
  key_id: string;
  mode: "live" | "sandbox";
  /** Sandbox only: the app's own checkout page for this order. */
  checkout_url: string | null;
}

/**
 * Opens a recharge: a Razorpay order for the amount (receipt and notes carry our ids, so the
 * order can be traced from the Razorpay dashboard) and a pending payments row. The wallet is
 * credited later, by whichever of the checkout callback, the webhook or reconciliation comes first.
 */
export async function startRecharge(args: {
  orgId: string;
  userId: string;
  amountPaise: number;
  settings?: RazorpaySettings;
}): Promise<StartedRecharge> {
  const settings = args.settings ?? requireRazorpay();
  const recent = await withService((db) =>
    db.query<{ n: number }>(
      "select count(*)::int as n from public.payments where org_id = $1 and created_at > now() - interval '1 hour'",
      [args.orgId],
    ),
  );
  if (recent.rows[0].n >= MAX_ORDERS_PER_HOUR) {
    throw new ApiError(429, "too_many_recharges", "Too many recharges started in the last hour. Please try again later.");
  }
  const paymentId = randomUUID();
  let order;
  try {
    order = await createOrder(settings, {
      amountPaise: args.amountPaise,
      receipt: `wr_${paymentId.replaceAll("-", "")}`, // 35 characters; Razorpay allows 40
      notes: { org_id: args.orgId, payment_id: paymentId },
    });
  } catch (err) {
    if (err instanceof RazorpayError) {
      log.error({ orgId: args.orgId, err: err.message, statusCode: err.statusCode }, "could not create a Razorpay order");
      throw new ApiError(502, "payment_gateway_error", "Razorpay did not accept the order. Please try again in a minute.");
    }
    throw err;
  }
  if (order.amount !== args.amountPaise || order.currency !== "INR") {
    throw new Error(`Razorpay order ${order.id} came back with ${order.amount} ${order.currency}`);
  }
  await withService((db) =>
    db.query(
      `insert into public.payments (id, org_id, mode, order_id, amount_paise, currency, created_by)
       values ($1, $2, $3, $4, $5, 'INR', $6)`,
      [paymentId, args.orgId, settings.mode, order.id, args.amountPaise, args.userId],
    ),
  );
  return {
    payment_id: paymentId,
    order_id: order.id,
    amount_paise: args.amountPaise,
    currency: "INR",
    key_id: settings.keyId,
    mode: settings.mode,
    checkout_url: settings.mode === "sandbox" ? `/sandbox/checkout?order_id=${encodeURIComponent(order.id)}` : null,
  };
}

export const checkoutCallbackSchema = z.object({
  payment_id: z.uuid("payment_id must be the id returned when the recharge started"),
  razorpay_payment_id: z.string().min(1).max(100),
  razorpay_signature: z.string().min(1).max(200),
  razorpay_order_id: z.string().min(1).max(100).optional(),
});

export interface VerifiedRecharge {
  status: "credited" | "already_credited";
  payment_id: string;
}

/**
 * The Checkout handler's response, checked on the server: the HMAC is computed over the order id
 * WE stored for this payment (never one the browser sends) and the Razorpay payment id, keyed with
 * the key secret. A wrong or missing signature writes nothing.
 */
export async function verifyCheckout(args: {
  orgId: string;
  callback: z.infer<typeof checkoutCallbackSchema>;
  settings?: RazorpaySettings;
}): Promise<VerifiedRecharge> {
  const settings = args.settings ?? requireRazorpay();
  const { callback } = args;
  return withService(async (db) => {
    const { rows } = await db.query<{ order_id: string; amount_paise: number; currency: string; mode: string }>(
      "select order_id, amount_paise, currency, mode from public.payments where id = $1 and org_id = $2",
      [callback.payment_id, args.orgId],
    );
    const stored = rows[0];
    if (!stored) throw new ApiError(404, "payment_not_found", "No such recharge in this organization.");
    if (callback.razorpay_order_id && callback.razorpay_order_id !== stored.order_id) {
      throw new ApiError(400, "order_mismatch", "The order id does not belong to this recharge.");
    }
    const valid =
      stored.mode === settings.mode &&
      verifyCheckoutSignature({
        storedOrderId: stored.order_id,
        razorpayPaymentId: callback.razorpay_payment_id,
        signature: callback.razorpay_signature,
        keySecret: settings.keySecret,
      });
    if (!valid) {
      log.warn({ orgId: args.orgId, paymentId: callback.payment_id }, "checkout callback with a wrong signature refused");
      throw new ApiError(400, "invalid_signature", "The payment could not be verified. If money was taken, it will be credited automatically.");
    }
    // The signature proves Razorpay took this payment for this order, and an order's amount is fixed.
    const result = await settleCapturedPayment(db, {
      orderId: stored.order_id,
      razorpayPaymentId: callback.razorpay_payment_id,
      amountPaise: stored.amount_paise,
      currency: stored.currency,
      source: "checkout",
    });
    if (result.status !== "credited" && result.status !== "already_credited") {
      throw new ApiError(409, "payment_conflict", "This order was already paid by another payment.");
    }
    return { status: result.status, payment_id: callback.payment_id };
  });
}
