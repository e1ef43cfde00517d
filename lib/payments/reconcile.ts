import { withService } from "../db/tx";
import { logger } from "../log";
import { fetchOrderPayments, RazorpayError, razorpaySettings, type RazorpaySettings } from "./razorpay";
import { settleCapturedPayment } from "./settle";

const log = logger.child({ component: "payment-reconcile" });

export interface ReconcileOptions {
  /** Leave fresh orders to the checkout callback and the webhook. */
  olderThanMs?: number;
  /** Ask Razorpay about one order at most this often. */
  recheckMs?: number;
  /** Orders older than this are no longer checked. */
  maxAgeMs?: number;
  /** An order with no payment attempt at all this long after creation is marked failed (abandoned). */
  abandonAfterMs?: number;
  limit?: number;
  settings?: RazorpaySettings | null;
}

export interface ReconcileResult {
  checked: number;
  credited: number;
  abandoned: number;
}

/**
 * A lost webhook must not lose money: asks Razorpay about orders still unpaid after a while
 * (GET /v1/orders/:id/payments) and settles any captured payment exactly as the webhook would.
 * Orders are claimed by stamping checked_at under FOR UPDATE SKIP LOCKED in a short transaction,
 * so several workers split the work and none holds a lock across the HTTP call; settling is
 * idempotent anyway.
 */
export async function reconcilePendingPayments(opts: ReconcileOptions = {}): Promise<ReconcileResult> {
  const settings = opts.settings === undefined ? razorpaySettings() : opts.settings;
  const result: ReconcileResult = { checked: 0, credited: 0, abandoned: 0 };
  if (!settings) return result;
  const claimed = await withService(async (db) => {
    const { rows } = await db.query<{ id: string; order_id: string; org_id: string; created_at: Date }>(
      `update public.payments p set checked_at = now()
       where p.id in (
         select id from public.payments
         where status in ('created', 'failed') and mode = $1
           and created_at < now() - make_interval(secs => $2::double precision / 1000)
           and created_at > now() - make_interval(secs => $3::double precision / 1000)
           and (checked_at is null or checked_at < now() - make_interval(secs => $4::double precision / 1000))
         order by created_at
         limit $5
         for update skip locked)
       returning p.id, p.order_id, p.org_id, p.created_at`,
      [
        settings.mode,
        opts.olderThanMs ?? 2 * 60_000,
        opts.maxAgeMs ?? 3 * 24 * 3600_000,
        opts.recheckMs ?? 5 * 60_000,
        opts.limit ?? 25,
      ],
    );
    return rows;
  });
  const abandonAfterMs = opts.abandonAfterMs ?? 24 * 3600_000;
  for (const row of claimed) {
    result.checked++;
    try {
      const payments = await fetchOrderPayments(settings, row.order_id);
      const paid = payments.find((p) => p.status === "captured" || p.status === "refunded");
      if (paid) {
        const settled = await withService((db) =>
          settleCapturedPayment(db, {
            orderId: row.order_id,
            razorpayPaymentId: paid.id,
            amountPaise: paid.amount,
            currency: paid.currency,
            source: "reconcile",
          }),
        );
        if (settled.status === "credited") {
          result.credited++;
          log.warn({ orgId: row.org_id, orderId: row.order_id }, "credited a paid order whose callback and webhook never arrived");
        }
        if (paid.status === "refunded") {
          log.warn({ orgId: row.org_id, orderId: row.order_id }, "order was paid and refunded; the refund is applied by its webhook");
        }
      } else if (payments.length === 0 && Date.now() - row.created_at.getTime() > abandonAfterMs) {
        const { rowCount } = await withService((db) =>
          db.query(
            `update public.payments set status = 'failed', failure_reason = 'Checkout was not completed', updated_at = now()
             where id = $1 and status = 'created'`,
            [row.id],
          ),
        );
        result.abandoned += rowCount ?? 0;
      }
    } catch (err) {
      if (settings.mode === "sandbox" && err instanceof RazorpayError && err.statusCode === 400) {
        // The sandbox Razorpay keeps orders in memory: after a restart it no longer knows this one,
        // and nobody can pay it any more.
        await withService((db) =>
          db.query(
            `update public.payments set status = 'failed', failure_reason = 'Sandbox order expired (the sandbox was restarted)', updated_at = now()
             where id = $1 and status = 'created'`,
            [row.id],
          ),
        );
        result.abandoned++;
        continue;
      }
      log.error({ orgId: row.org_id, orderId: row.order_id, err: (err as Error).message }, "could not reconcile an order");
    }
  }
  return result;
}
