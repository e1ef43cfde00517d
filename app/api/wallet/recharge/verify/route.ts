import { requireOrgUser } from "@/lib/auth/caller";
import { readJson } from "@/lib/http/errors";
import { handler } from "@/lib/http/route";
import { checkoutCallbackSchema, verifyCheckout } from "@/lib/payments/recharge";

// POST /api/wallet/recharge/verify — the Razorpay Checkout handler's response
// {payment_id, razorpay_payment_id, razorpay_signature[, razorpay_order_id]}, verified against the
// stored order and credited once (the webhook may have credited it already: then a no-op).
export const POST = handler(async (req) => {
  const caller = await requireOrgUser(req, { roles: ["owner", "admin"] });
  const callback = checkoutCallbackSchema.parse(await readJson(req));
  return Response.json(await verifyCheckout({ orgId: caller.orgId, callback }));
});
