import { ApiError } from "@/lib/http/errors";
import { handler } from "@/lib/http/route";
import { handleRazorpayWebhook, MAX_WEBHOOK_BYTES } from "@/lib/payments/webhook";

// POST /api/razorpay/webhook — Razorpay's events, verified over the raw bytes before parsing.
export const POST = handler(async (req) => {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > MAX_WEBHOOK_BYTES) throw new ApiError(413, "payload_too_large", "The webhook body is too large.");
  const raw = new Uint8Array(await req.arrayBuffer());
  if (raw.byteLength > MAX_WEBHOOK_BYTES) throw new ApiError(413, "payload_too_large", "The webhook body is too large.");
  const answer = await handleRazorpayWebhook(raw, {
    signature: req.headers.get("x-razorpay-signature"),
    eventId: req.headers.get("x-razorpay-event-id"),
  });
  return Response.json(answer.body, { status: answer.httpStatus });
});
