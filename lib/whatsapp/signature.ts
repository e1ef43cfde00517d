import { createHmac, timingSafeEqual } from "node:crypto";

// Meta signs every webhook POST: X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body,
// keyed with the app secret>. Verify over the exact bytes received, before any JSON parsing.

export function signMetaPayload(rawBody: string | Buffer, appSecret: string): string {
  return `sha256=${createHmac("sha256", appSecret).update(rawBody).digest("hex")}`;
}

export function verifyMetaSignature(rawBody: string | Buffer, header: string | null | undefined, appSecret: string): boolean {
  if (!header || !header.startsWith("sha256=")) return false;
  const expected = Buffer.from(signMetaPayload(rawBody, appSecret));
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
