import { z } from "zod";
import { withService } from "../db/tx";
import { ApiError } from "../http/errors";
import { fetchOrder, RazorpayError, razorpaySettings, type RazorpaySettings } from "../payments/razorpay";

// The app side of the sandbox checkout page (/sandbox/checkout): what Razorpay Checkout does in the
// customer's browser, done against the sandbox Razorpay, which signs the result with the key secret
// exactly as Razorpay would. The page then hands that result to the real verification route.

/** The sandbox settings, or a 404: sandbox routes and pages do not exist outside sandbox mode. */
export function requireSandboxRazorpay(): RazorpaySettings {
  const s = razorpaySettings();
  if (!s || s.mode !== "sandbox" || !s.apiUrl) throw new ApiError(404, "not_found", "Not found.");
  return s;
}

export interface SandboxCheckoutOrder {
  payment_id: string;
  order_id: string;
  amount_paise: number;
  status: string;
  order_status: string;
}

/** The order behind a sandbox checkout, only for the organization that opened it. */
export async function loadSandboxCheckout(settings: RazorpaySettings, orgId: string, orderId: string): Promise<SandboxCheckoutOrder | null> {
  const { rows } = await withService((db) =>
    db.query<{ id: string; amount_paise: number; status: string }>(
      "select id, amount_paise, status from public.payments where order_id = $1 and org_id = $2 and mode = 'sandbox'",
      [orderId, orgId],
    ),
  );
  if (!rows[0]) return null;
  let order;
  try {
    order = await fetchOrder(settings, orderId);
  } catch (err) {
    // The sandbox keeps orders in memory; after a restart an old order is simply gone.
    if (err instanceof RazorpayError && err.statusCode === 400) return null;
    throw err;
  }
  return { payment_id: rows[0].id, order_id: orderId, amount_paise: order.amount, status: rows[0].status, order_status: order.status };
}

export const sandboxPaySchema = z.object({
  order_id: z.string().min(1).max(100),
  outcome: z.enum(["success", "failure"]),
});

export type SandboxPayResult =
  | { outcome: "paid"; payment_id: string; razorpay_payment_id: string; razorpay_order_id: string; razorpay_signature: string }
  | { outcome: "failed"; payment_id: string; error: { code: string; description: string } };

/** Completes or fails the payment at the sandbox Razorpay, which also sends the webhooks. */
export async function sandboxPay(settings: RazorpaySettings, orgId: string, input: z.infer<typeof sandboxPaySchema>): Promise<SandboxPayResult> {
  const found = await loadSandboxCheckout(settings, orgId, input.order_id);
  if (!found) throw new ApiError(404, "not_found", "No such sandbox order in this organization.");
  const res = await fetch(`${settings.apiUrl}/_sandbox/orders/${encodeURIComponent(input.order_id)}/pay`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Basic ${Buffer.from(`${settings.keyId}:${settings.keySecret}`).toString("base64")}`,
    },
    body: JSON.stringify({ outcome: input.outcome }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await res.json()) as Record<string, unknown>;
  if (!res.ok) {
    const description = (body.error as { description?: string } | undefined)?.description ?? "The sandbox refused the payment.";
    throw new ApiError(409, "sandbox_refused", description);
  }
  return { ...(body as unknown as SandboxPayResult), payment_id: found.payment_id };
}
