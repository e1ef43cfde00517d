import { createHash } from "node:crypto";
import { z } from "zod";
import { withService, type Db } from "../db/tx";
import { parseJsonForStorage } from "../http/errors";
import { logger } from "../log";
import { razorpaySettings, type RazorpaySettings } from "./razorpay";
import { applyRefund, markPaymentFailed, settleCapturedPayment } from "./settle";
import { verifyWebhookSignature } from "./signature";

// POST /api/razorpay/webhook. Razorpay delivers at least once, in no guaranteed order, retries for
// 24 hours on anything but a 2xx, and counts an answer slower than 5 s as failed
// (https://razorpay.com/docs/webhooks/). So: verify the signature over the raw bytes first (401,
// nothing written, otherwise); then, in ONE transaction, record the event by x-razorpay-event-id
// (a duplicate stops there) and apply it. Applying is a few row updates, well inside 5 s. If it
// throws, the transaction — event row included — rolls back and the 500 makes Razorpay retry.

const log = logger.child({ component: "razorpay-webhook" });

/** Razorpay's webhooks are small JSON documents; anything larger is not one. */
export const MAX_WEBHOOK_BYTES = 512 * 1024;

const paymentEntity = z.looseObject({
  id: z.string().min(1),
  order_id: z.string().nullish(),
  amount: z.number().int(),
  currency: z.string(),
  status: z.string().optional(),
  captured: z.boolean().optional(),
  error_description: z.string().nullish(),
});
const refundEntity = z.looseObject({
  id: z.string().min(1),
  payment_id: z.string().min(1),
  amount: z.number().int().positive(),
  currency: z.string(),
});
const eventSchema = z.looseObject({
  event: z.string().min(1),
  payload: z.looseObject({
    payment: z.looseObject({ entity: paymentEntity }).optional(),
    refund: z.looseObject({ entity: refundEntity }).optional(),
  }),
});

export interface WebhookAnswer {
  httpStatus: number;
  body: Record<string, unknown>;
}

export async function handleRazorpayWebhook(
  raw: Uint8Array,
  headers: { signature: string | null; eventId: string | null },
  settings: RazorpaySettings | null = razorpaySettings(),
): Promise<WebhookAnswer> {
  if (!settings) return { httpStatus: 503, body: { error: { code: "payments_unavailable", message: "Razorpay is not configured." } } };
  if (!verifyWebhookSignature(raw, headers.signature, settings.webhookSecret)) {
    log.warn({ hasSignature: Boolean(headers.signature) }, "webhook with a missing or wrong signature refused");
    return { httpStatus: 401, body: { error: { code: "invalid_signature", message: "X-Razorpay-Signature does not match the body." } } };
  }
  let parsed: z.infer<typeof eventSchema>;
  try {
    // The event is stored as jsonb, which cannot hold U+0000 (replaced, so a retry cannot fail forever).
    parsed = eventSchema.parse(parseJsonForStorage(Buffer.from(raw).toString("utf8")));
  } catch {
    log.error("signed webhook body is not a Razorpay event; refused");
    return { httpStatus: 400, body: { error: { code: "invalid_event", message: "The body is not a Razorpay event." } } };
  }
  // Razorpay always sends x-razorpay-event-id; should it not, the body's hash still dedupes exact repeats.
  const eventId = headers.eventId?.trim() || `sha256:${createHash("sha256").update(raw).digest("hex")}`;

  return withService(async (db) => {
    const inserted = await db.query<{ id: number }>(
      `insert into public.webhook_events (source, event_id, kind, payload) values ('razorpay', $1, $2, $3)
       on conflict (source, event_id) do nothing returning id`,
      [eventId.slice(0, 200), parsed.event, parsed],
    );
    if (!inserted.rowCount) return { httpStatus: 200, body: { status: "duplicate" } };
    const outcome = await applyEvent(db, parsed);
    await db.query(
      "update public.webhook_events set processed_at = now(), attempts = attempts + 1, org_id = $2, last_error = $3 where id = $1",
      [inserted.rows[0].id, outcome.orgId ?? null, outcome.problem ?? null],
    );
    return { httpStatus: 200, body: { status: outcome.status } };
  });
}

type Outcome = { status: string; orgId?: string; problem?: string };

async function applyEvent(db: Db, e: z.infer<typeof eventSchema>): Promise<Outcome> {
  const payment = e.payload.payment?.entity;
  switch (e.event) {
    case "order.paid":
    case "payment.captured": {
      if (!payment?.order_id) return { status: "ignored", problem: "no order id" };
      if (e.event === "payment.captured" && payment.status && payment.status !== "captured" && payment.status !== "refunded") {
        return { status: "ignored", problem: `payment status ${payment.status}` };
      }
      const r = await settleCapturedPayment(db, {
        orderId: payment.order_id,
        razorpayPaymentId: payment.id,
        amountPaise: payment.amount,
        currency: payment.currency,
        source: e.event,
      });
      return {
        status: r.status,
        orgId: "orgId" in r ? r.orgId : undefined,
        problem: r.status === "credited" || r.status === "already_credited" ? undefined : r.status,
      };
    }
    case "payment.failed": {
      if (!payment?.order_id) return { status: "ignored", problem: "no order id" };
      const r = await markPaymentFailed(db, {
        orderId: payment.order_id,
        razorpayPaymentId: payment.id,
        reason: payment.error_description ?? null,
      });
      return { status: r.status, orgId: "orgId" in r ? r.orgId : undefined };
    }
    case "refund.processed": {
      const refund = e.payload.refund?.entity;
      if (!refund) return { status: "ignored", problem: "no refund entity" };
      const r = await applyRefund(db, {
        refund,
        payment: payment ? { ...payment, order_id: payment.order_id ?? null } : null,
      });
      return {
        status: r.status,
        orgId: "orgId" in r ? r.orgId : undefined,
        problem: r.status === "debited" || r.status === "duplicate" ? undefined : r.status,
      };
    }
    default:
      // payment.authorized, refund.created, ...: recorded, nothing to do.
      return { status: "ignored" };
  }
}
