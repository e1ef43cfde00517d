import type { Db } from "../db/tx";
import { logger } from "../log";
import { credit, debitPaymentRefund, references } from "../wallet/wallet";

// What a verified Razorpay fact (a checkout callback, a webhook, a reconciliation answer) does to
// our books. Every function runs inside the caller's service-role transaction and starts by locking
// the payments row of the order, so the checkout callback, order.paid, payment.captured and the
// reconciliation sweep — whichever comes first, in any order, at once — serialise on that row. The
// wallet credit itself is idempotent by `rzp:<razorpay payment id>` (globally unique), so no path,
// however it races, credits a payment twice.

const log = logger.child({ component: "payments" });

interface PaymentRow {
  id: string;
  org_id: string;
  mode: "live" | "sandbox";
  order_id: string;
  payment_id: string | null;
  amount_paise: number;
  currency: string;
  status: "created" | "paid" | "failed" | "refunded";
  refunded_paise: number;
}

const COLUMNS = "id, org_id, mode, order_id, payment_id, amount_paise, currency, status, refunded_paise";

async function lockByOrder(db: Db, orderId: string): Promise<PaymentRow | null> {
  const { rows } = await db.query<PaymentRow>(`select ${COLUMNS} from public.payments where order_id = $1 for update`, [orderId]);
  return rows[0] ?? null;
}

export type SettleResult =
  | { status: "credited" | "already_credited"; orgId: string; paymentRowId: string; balancePaise: number | null }
  | { status: "unknown_order" }
  | { status: "amount_mismatch"; orgId: string; expectedPaise: number; gotPaise: number }
  | { status: "other_payment"; orgId: string };

/**
 * Credits the wallet for a captured payment of one of our orders, once. `amountPaise` and
 * `currency` are what Razorpay says was paid; anything but the stored order's amount is refused.
 */
export async function settleCapturedPayment(
  db: Db,
  args: { orderId: string; razorpayPaymentId: string; amountPaise: number; currency: string; source: string },
): Promise<SettleResult> {
  const row = await lockByOrder(db, args.orderId);
  if (!row) {
    log.warn({ orderId: args.orderId, source: args.source }, "captured payment for an order we do not know; ignored");
    return { status: "unknown_order" };
  }
  if (args.amountPaise !== row.amount_paise || args.currency !== row.currency) {
    log.error(
      {
        orgId: row.org_id,
        orderId: row.order_id,
        razorpayPaymentId: args.razorpayPaymentId,
        expected: `${row.amount_paise} ${row.currency}`,
        got: `${args.amountPaise} ${args.currency}`,
        source: args.source,
      },
      "payment amount does not match the stored order; not credited",
    );
    return { status: "amount_mismatch", orgId: row.org_id, expectedPaise: row.amount_paise, gotPaise: args.amountPaise };
  }
  if (row.payment_id && row.payment_id !== args.razorpayPaymentId) {
    // Razorpay refuses a second payment on a paid order, so this should never happen; if it does,
    // the money is real but not ours to guess about: the operator refunds it from the dashboard.
    log.error(
      { orgId: row.org_id, orderId: row.order_id, credited: row.payment_id, other: args.razorpayPaymentId, source: args.source },
      "a second captured payment for an order already credited; not credited, refund it in Razorpay",
    );
    return { status: "other_payment", orgId: row.org_id };
  }
  const result = await credit(db, {
    orgId: row.org_id,
    amountPaise: row.amount_paise,
    reference: references.razorpayPayment(args.razorpayPaymentId),
    description: `Recharge via Razorpay (${args.razorpayPaymentId})`,
    paymentId: row.id,
  });
  if (!result.ok) throw new Error(`wallet credit for ${args.razorpayPaymentId} failed: ${result.status}`);
  await db.query(
    `update public.payments set
       status = case when status = 'refunded' then status else 'paid' end,
       payment_id = $2, paid_at = coalesce(paid_at, now()), failure_reason = null, updated_at = now()
     where id = $1`,
    [row.id, args.razorpayPaymentId],
  );
  if (result.status === "applied") {
    log.info({ orgId: row.org_id, orderId: row.order_id, amountPaise: row.amount_paise, source: args.source }, "recharge credited");
  }
  return {
    status: result.status === "applied" ? "credited" : "already_credited",
    orgId: row.org_id,
    paymentRowId: row.id,
    balancePaise: result.balancePaise,
  };
}

export type FailResult = { status: "marked_failed" | "ignored"; orgId: string } | { status: "unknown_order" };

/**
 * A failed attempt. Only an order still waiting is marked failed; a paid order stays paid (the
 * customer may fail with one card and succeed with another, and events arrive in any order), and a
 * failed order can still become paid when a later attempt is captured.
 */
export async function markPaymentFailed(
  db: Db,
  args: { orderId: string; razorpayPaymentId: string; reason: string | null },
): Promise<FailResult> {
  const row = await lockByOrder(db, args.orderId);
  if (!row) return { status: "unknown_order" };
  if (row.status !== "created" && row.status !== "failed") return { status: "ignored", orgId: row.org_id };
  await db.query(
    "update public.payments set status = 'failed', failure_reason = $2, updated_at = now() where id = $1",
    [row.id, (args.reason ?? "Payment failed").slice(0, 500)],
  );
  return { status: "marked_failed", orgId: row.org_id };
}

export type RefundResult =
  | { status: "debited" | "duplicate"; orgId: string; balancePaise: number | null }
  | { status: "not_credited" | "insufficient_funds" | "invalid"; orgId: string }
  | { status: "unknown_order" }
  | { status: "amount_mismatch"; orgId: string; expectedPaise: number; gotPaise: number }
  | { status: "other_payment"; orgId: string };

/**
 * A processed refund of a recharge: debit it back (ledger kind payment_refund), once per refund id.
 * Events may come out of order: when the refund arrives before we saw the capture, the payment it
 * carries (captured = true) is settled first, so the books go credit-then-refund either way. An
 * auto-refund of a payment that was never captured had nothing credited and debits nothing.
 */
export async function applyRefund(
  db: Db,
  args: {
    refund: { id: string; amount: number; payment_id: string; currency: string };
    payment: { id: string; order_id: string | null; amount: number; currency: string; captured?: boolean } | null;
  },
): Promise<RefundResult> {
  const { refund, payment } = args;
  let row: PaymentRow | null = null;
  {
    const { rows } = await db.query<PaymentRow>(`select ${COLUMNS} from public.payments where payment_id = $1 for update`, [
      refund.payment_id,
    ]);
    row = rows[0] ?? null;
  }
  if (!row && payment?.order_id) {
    row = await lockByOrder(db, payment.order_id);
    if (!row) return { status: "unknown_order" };
    if (payment.captured !== true) return { status: "not_credited", orgId: row.org_id };
    const settled = await settleCapturedPayment(db, {
      orderId: payment.order_id,
      razorpayPaymentId: payment.id,
      amountPaise: payment.amount,
      currency: payment.currency,
      source: "refund.processed",
    });
    if (settled.status === "unknown_order") return settled;
    if (settled.status === "amount_mismatch" || settled.status === "other_payment") return settled;
    row = await lockByOrder(db, payment.order_id);
  }
  if (!row) return { status: "unknown_order" };
  const result = await debitPaymentRefund(db, {
    orgId: row.org_id,
    amountPaise: refund.amount,
    reference: references.razorpayRefund(refund.id),
    paymentId: row.id,
    description: `Recharge refunded via Razorpay (${refund.id})`,
  });
  if (result.status === "applied") {
    await db.query(
      `update public.payments set refunded_paise = refunded_paise + $2,
         status = case when refunded_paise + $2 >= amount_paise then 'refunded' else status end,
         updated_at = now()
       where id = $1`,
      [row.id, refund.amount],
    );
    log.info({ orgId: row.org_id, orderId: row.order_id, refundId: refund.id, amountPaise: refund.amount }, "recharge refund debited");
    return { status: "debited", orgId: row.org_id, balancePaise: result.balancePaise };
  }
  if (result.status === "duplicate") return { status: "duplicate", orgId: row.org_id, balancePaise: result.balancePaise };
  if (result.status === "not_found") return { status: "not_credited", orgId: row.org_id };
  // The tenant has already spent the money, or the refunds exceed the recharge. Retrying cannot fix
  // either; the operator settles it with an adjustment. Logged loudly, recorded on the event.
  log.error(
    { orgId: row.org_id, orderId: row.order_id, refundId: refund.id, amountPaise: refund.amount, status: result.status },
    "recharge refund could not be debited back; needs an operator adjustment",
  );
  return { status: result.status === "insufficient_funds" ? "insufficient_funds" : "invalid", orgId: row.org_id };
}
