import { readText, toErrorResponse, ApiError } from "@/lib/http/errors";
import { logger } from "@/lib/log";
import { META_MAX_BODY_BYTES, receiveSignedWebhook, verifySubscription } from "@/lib/whatsapp/webhook";
import { kickWebhookProcessing } from "@/lib/whatsapp/webhook-process";

// Meta's WhatsApp webhook. GET: subscription verification. POST: signed events, stored and
// acknowledged at once; statuses, refunds and auto-replies run right after the response in this
// process, with the worker's sweep as the safety net (lib/whatsapp/webhook-process.ts).

const log = logger.child({ component: "webhook" });

export async function GET(req: Request) {
  const challenge = verifySubscription(new URL(req.url).searchParams);
  if (challenge === null) return new Response("Forbidden", { status: 403, headers: { "content-type": "text/plain" } });
  return new Response(challenge, { status: 200, headers: { "content-type": "text/plain; charset=utf-8" } });
}

export async function POST(req: Request) {
  try {
    const raw = await readText(req, META_MAX_BODY_BYTES);
    const result = await receiveSignedWebhook(raw, req.headers.get("x-hub-signature-256"));
    kickWebhookProcessing(result.pendingIds);
    return Response.json({ received: result.events, new: result.stored });
  } catch (err) {
    if (!(err instanceof ApiError)) log.error({ err: (err as Error).message }, "webhook POST failed; Meta will retry");
    else if (err.status === 401) log.warn("webhook POST with a missing or invalid signature");
    return toErrorResponse(err);
  }
}
