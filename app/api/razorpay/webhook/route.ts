import { readBytesLimited } from "@/lib/http/body";
import { handler } from "@/lib/http/route";
import { handleRazorpayWebhook, MAX_WEBHOOK_BYTES } from "@/lib/payments/webhook";

// POST /api/razorpay/webhook — Razorpay's events, verified over the raw bytes before parsing.
export const POST = handler(async (req) => {
  const raw = await readBytesLimited(req, MAX_WEBHOOK_BYTES, "The webhook body");
  const answer = await handleRazorpayWebhook(raw, {
    signature: req.headers.get("x-razorpay-signature"),
    eventId: req.headers.get("x-razorpay-event-id"),
  });
  return Response.json(answer.body, { status: answer.httpStatus });
});
