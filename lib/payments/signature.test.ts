import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
// The SDK's own helpers: ours must accept exactly what they accept.
import { validatePaymentVerification, validateWebhookSignature } from "razorpay/dist/utils/razorpay-utils";
import { checkoutSignature, verifyCheckoutSignature, verifyWebhookSignature, webhookSignature } from "./signature";

describe("Razorpay signatures", () => {
  it("agree with the SDK's validatePaymentVerification and validateWebhookSignature", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (order, payment, secret) => {
        const sig = checkoutSignature(order, payment, secret);
        expect(validatePaymentVerification({ order_id: order, payment_id: payment }, sig, secret)).toBe(true);
        expect(verifyCheckoutSignature({ storedOrderId: order, razorpayPaymentId: payment, signature: sig, keySecret: secret })).toBe(true);
        const body = JSON.stringify({ order, payment });
        const wsig = webhookSignature(body, secret);
        expect(validateWebhookSignature(body, wsig, secret)).toBe(true);
        expect(verifyWebhookSignature(body, wsig, secret)).toBe(true);
        expect(verifyWebhookSignature(Buffer.from(body), wsig, secret)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it("refuse a wrong, missing, malformed or other-order checkout signature", () => {
    const secret = randomBytes(16).toString("hex");
    const good = checkoutSignature("order_A", "pay_1", secret);
    const check = (signature: string | null | undefined, order = "order_A", payment = "pay_1", key = secret) =>
      verifyCheckoutSignature({ storedOrderId: order, razorpayPaymentId: payment, signature, keySecret: key });
    expect(check(good)).toBe(true);
    expect(check(good.toUpperCase())).toBe(true); // hex is hex
    expect(check(null)).toBe(false);
    expect(check(undefined)).toBe(false);
    expect(check("")).toBe(false);
    expect(check("zz" + good.slice(2))).toBe(false);
    expect(check(good.slice(0, -2))).toBe(false);
    expect(check(good, "order_B")).toBe(false); // a signature for another (cheaper) order
    expect(check(good, "order_A", "pay_2")).toBe(false);
    expect(check(good, "order_A", "pay_1", "other-secret")).toBe(false);
    expect(check(good, "order_A", "pay_1", "")).toBe(false);
  });

  it("refuse a webhook whose body changed after signing, or with no signature", () => {
    const secret = "whsec";
    const body = '{"event":"payment.captured","payload":{"payment":{"entity":{"amount":10000}}}}';
    const sig = webhookSignature(body, secret);
    expect(verifyWebhookSignature(body, sig, secret)).toBe(true);
    expect(verifyWebhookSignature(body.replace("10000", "99900"), sig, secret)).toBe(false);
    expect(verifyWebhookSignature(body + " ", sig, secret)).toBe(false);
    expect(verifyWebhookSignature(JSON.stringify(JSON.parse(body), null, 1), sig, secret)).toBe(false);
    expect(verifyWebhookSignature(body, null, secret)).toBe(false);
    expect(verifyWebhookSignature(body, sig, "")).toBe(false);
  });
});
