import { requireOrgCaller } from "@/lib/auth/caller";
import { ApiError, readJson, toErrorResponse } from "@/lib/http/errors";
import { logger } from "@/lib/log";
import { simpleSendSchema } from "@/lib/messaging/outbound";
import { sendMessage } from "@/lib/messaging/send";
import { sendResultResponse } from "@/lib/messaging/send-response";

/** The simple text send: {"phone", "message"} (+ channel_id). The organization is the caller's. */
export async function POST(req: Request) {
  try {
    const caller = await requireOrgCaller(req);
    const body = simpleSendSchema.parse(await readJson(req));
    if (body.org_id !== undefined && body.org_id !== caller.orgId) {
      throw new ApiError(403, "forbidden", "org_id does not match your organization; leave it out (the organization comes from your session or API key).");
    }
    const result = await sendMessage({
      orgId: caller.orgId,
      channelId: body.channel_id,
      to: body.phone,
      message: { type: "text", text: { body: body.message } },
      idempotencyKey: req.headers.get("idempotency-key") ?? undefined,
      source: caller.kind === "api_key" ? "api" : "dashboard",
    });
    return sendResultResponse(result);
  } catch (err) {
    const res = toErrorResponse(err);
    if (res.status >= 500) logger.error({ err: (err as Error).message }, "POST /api/send-message failed");
    return res;
  }
}
