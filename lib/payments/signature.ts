import { createHmac, timingSafeEqual } from "node:crypto";

// Razorpay's two signatures (https://razorpay.com/docs/payments/server-integration/nodejs/integration-steps/
// and .../webhooks/validate-test/):
// - the Checkout callback: hex HMAC-SHA256 of `${order_id}|${razorpay_payment_id}` keyed with the key secret;
// - the webhook: hex HMAC-SHA256 of the raw request body keyed with the webhook secret, in X-Razorpay-Signature.
// These compute exactly what the SDK's validatePaymentVerification / validateWebhookSignature
// (razorpay/dist/utils/razorpay-utils) compute — signature.test.ts checks that they agree — but
// compare in constant time (the SDK uses ===) and answer false instead of throwing on a missing value.

export function hmacHex(secret: string, message: string | Uint8Array): string {
  return createHmac("sha256", secret).update(message).digest("hex");
}

function safeEqualHex(expected: string, given: string | null | undefined): boolean {
  if (typeof given !== "string" || !/^[0-9a-f]+$/i.test(given)) return false;
  const a = Buffer.from(expected, "hex");
  const b = Buffer.from(given, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The Checkout callback's signature, over the order id WE stored (never the browser's). */
export function checkoutSignature(orderId: string, razorpayPaymentId: string, keySecret: string): string {
  return hmacHex(keySecret, `${orderId}|${razorpayPaymentId}`);
}

export function verifyCheckoutSignature(args: {
  storedOrderId: string;
  razorpayPaymentId: string;
  signature: string | null | undefined;
  keySecret: string;
}): boolean {
  if (!args.keySecret || !args.storedOrderId || !args.razorpayPaymentId) return false;
  return safeEqualHex(checkoutSignature(args.storedOrderId, args.razorpayPaymentId, args.keySecret), args.signature);
}

export function webhookSignature(rawBody: string | Uint8Array, webhookSecret: string): string {
  return hmacHex(webhookSecret, rawBody);
}

/** Verifies X-Razorpay-Signature over the exact bytes received, before anything parses them. */
export function verifyWebhookSignature(rawBody: string | Uint8Array, signature: string | null | undefined, webhookSecret: string): boolean {
  if (!webhookSecret) return false;
  return safeEqualHex(webhookSignature(rawBody, webhookSecret), signature);
}
