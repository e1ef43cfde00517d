import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

// How every delivery is signed, and the reference check for tenants' receivers.
//
//   X-Webhook-Id:        the event id (the same on every retry: deduplicate on it)
//   X-Webhook-Timestamp: unix seconds when this attempt was sent
//   X-Webhook-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
//
// The key is the secret string exactly as shown at creation (whsec_...), as UTF-8 bytes. The
// timestamp is inside the signed text, so an old request cannot be replayed with a fresh time, and
// receivers reject timestamps outside a tolerance. While a rotated-out secret is still valid the
// header carries one signature per secret, separated by a space: "v1=<new> v1=<old>".

export const SIGNATURE_HEADER = "x-webhook-signature";
export const TIMESTAMP_HEADER = "x-webhook-timestamp";
export const ID_HEADER = "x-webhook-id";

/** A new endpoint secret: 32 random bytes. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64url")}`;
}

export function computeSignature(secret: string, timestamp: number | string, rawBody: string | Buffer): string {
  return createHmac("sha256", secret).update(`${timestamp}.`).update(rawBody).digest("hex");
}

/** The signature header for a body, with one v1 entry per secret (current first). */
export function signatureHeader(secrets: string[], timestamp: number, rawBody: string): string {
  return secrets.map((s) => `v1=${computeSignature(s, timestamp, rawBody)}`).join(" ");
}

type HeaderBag = Headers | Record<string, string | string[] | undefined>;

function header(headers: HeaderBag, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  const v = key === undefined ? undefined : headers[key];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * True when the request was signed with `secret` less than `toleranceSeconds` ago (either way, to
 * allow for clock skew). Compute it over the raw body bytes as received, before parsing JSON.
 * Comparison is timing-safe. `nowSeconds` is for tests.
 */
export function verifyWebhookSignature(
  rawBody: string | Buffer,
  headers: HeaderBag,
  secret: string,
  toleranceSeconds = 300,
  nowSeconds = Math.floor(Date.now() / 1000),
): boolean {
  const ts = header(headers, TIMESTAMP_HEADER);
  const sig = header(headers, SIGNATURE_HEADER);
  if (!ts || !sig || !/^\d{1,12}$/.test(ts)) return false;
  if (Math.abs(nowSeconds - Number(ts)) > toleranceSeconds) return false;
  const expected = Buffer.from(computeSignature(secret, ts, rawBody), "hex");
  let ok = false;
  for (const part of sig.split(/[\s,]+/)) {
    const m = /^v1=([0-9a-f]{64})$/i.exec(part);
    if (!m) continue;
    // No early exit: every candidate is compared, in constant time each.
    if (timingSafeEqual(Buffer.from(m[1], "hex"), expected)) ok = true;
  }
  return ok;
}
