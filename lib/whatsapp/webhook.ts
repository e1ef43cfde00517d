import { timingSafeEqual } from "node:crypto";
import { env } from "../config/env";
import { ApiError } from "../http/errors";
import { verifyMetaSignature } from "./signature";
import { receiveWebhook, type ReceiveResult } from "./webhook-receive";

// Meta's webhook endpoint, both verbs, as the route calls them.

/** Meta allows webhook payloads up to 3 MB. */
export const META_MAX_BODY_BYTES = 3 * 1024 * 1024;

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * GET verification: hub.mode=subscribe with our verify token → the challenge (to echo as text/plain);
 * anything else → null (the route answers 403).
 */
export function verifySubscription(params: URLSearchParams, verifyToken = env().META_VERIFY_TOKEN): string | null {
  const token = params.get("hub.verify_token");
  const challenge = params.get("hub.challenge");
  if (params.get("hub.mode") !== "subscribe" || token === null || challenge === null) return null;
  return sameSecret(token, verifyToken) ? challenge : null;
}

/**
 * POST: the signature (X-Hub-Signature-256, HMAC-SHA256 of the exact raw body with the app secret,
 * compared timing-safe) is checked before anything is parsed or written; then the events are stored.
 */
export async function receiveSignedWebhook(
  rawBody: string,
  signature: string | null,
  appSecret = env().META_APP_SECRET,
): Promise<ReceiveResult> {
  if (!verifyMetaSignature(rawBody, signature, appSecret)) {
    throw new ApiError(401, "invalid_signature", "Missing or invalid X-Hub-Signature-256.");
  }
  return receiveWebhook(rawBody);
}
