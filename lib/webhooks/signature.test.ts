import { describe, expect, it } from "vitest";
import { computeSignature, generateWebhookSecret, signatureHeader, verifyWebhookSignature } from "./signature";

const secret = generateWebhookSecret();
const body = JSON.stringify({ id: "message.received:wamid.1", type: "message.received", data: { text: "héllo" } });
const now = 1_800_000_000;

function headers(ts: number, sig: string) {
  return { "X-Webhook-Timestamp": String(ts), "X-Webhook-Signature": sig };
}

describe("webhook signatures", () => {
  it("secrets are whsec_ plus 32 random bytes, different every time", () => {
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(generateWebhookSecret()).not.toBe(secret);
  });

  it("is HMAC-SHA256 of '<timestamp>.<body>' keyed with the secret string, in hex", async () => {
    const { createHmac } = await import("node:crypto");
    expect(computeSignature(secret, now, body)).toBe(createHmac("sha256", secret).update(`${now}.${body}`).digest("hex"));
  });

  it("verifies a fresh signature (Headers or plain object, any header case)", () => {
    const sig = signatureHeader([secret], now, body);
    expect(sig).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(body, headers(now, sig), secret, 300, now)).toBe(true);
    expect(verifyWebhookSignature(Buffer.from(body), new Headers(headers(now, sig)), secret, 300, now + 299)).toBe(true);
  });

  it("rejects a tampered body, a wrong secret, a changed timestamp and a malformed header", () => {
    const sig = signatureHeader([secret], now, body);
    expect(verifyWebhookSignature(body.replace("héllo", "hello"), headers(now, sig), secret, 300, now)).toBe(false);
    expect(verifyWebhookSignature(body, headers(now, sig), generateWebhookSecret(), 300, now)).toBe(false);
    // Moving the timestamp (to get past the tolerance) breaks the signature, since it is signed.
    expect(verifyWebhookSignature(body, headers(now + 60, sig), secret, 300, now + 60)).toBe(false);
    expect(verifyWebhookSignature(body, headers(now, sig.replace("v1=", "v0=")), secret, 300, now)).toBe(false);
    expect(verifyWebhookSignature(body, headers(now, ""), secret, 300, now)).toBe(false);
    expect(verifyWebhookSignature(body, { "x-webhook-signature": sig }, secret, 300, now)).toBe(false);
    expect(verifyWebhookSignature(body, headers(now, "v1=abc"), secret, 300, now)).toBe(false);
  });

  it("rejects a stale (replayed) or far-future timestamp even with a valid signature", () => {
    const old = now - 301;
    const sig = signatureHeader([secret], old, body);
    expect(verifyWebhookSignature(body, headers(old, sig), secret, 300, now)).toBe(false);
    expect(verifyWebhookSignature(body, headers(old, sig), secret, 600, now)).toBe(true);
    const future = now + 301;
    expect(verifyWebhookSignature(body, headers(future, signatureHeader([secret], future, body)), secret, 300, now)).toBe(false);
  });

  it("during a rotation the header carries both signatures and either secret verifies", () => {
    const next = generateWebhookSecret();
    const sig = signatureHeader([next, secret], now, body);
    expect(sig.split(" ")).toHaveLength(2);
    expect(verifyWebhookSignature(body, headers(now, sig), next, 300, now)).toBe(true);
    expect(verifyWebhookSignature(body, headers(now, sig), secret, 300, now)).toBe(true);
    expect(verifyWebhookSignature(body, headers(now, sig), generateWebhookSecret(), 300, now)).toBe(false);
  });
});
