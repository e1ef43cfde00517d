import { requireOrgCaller } from "@/lib/auth/caller";
import { withCaller } from "@/lib/db/as-caller";
import { readJson, toErrorResponse } from "@/lib/http/errors";
import { logger } from "@/lib/log";
import { listMessages, listMessagesQuery } from "@/lib/messaging/messages";
import { parseSendRequest } from "@/lib/messaging/outbound";
import { sendMessage } from "@/lib/messaging/send";
import { sendResultResponse } from "@/lib/messaging/send-response";

/** Send a message (Meta's body shape), as the caller's organization. Optional Idempotency-Key header. */
export async function POST(req: Request) {
  try {
    const caller = await requireOrgCaller(req);
    const { to, channelId, message } = parseSendRequest(await readJson(req));
    const result = await sendMessage({
      orgId: caller.orgId,
      channelId,
      to,
      message,
      idempotencyKey: req.headers.get("idempotency-key") ?? undefined,
      source: caller.kind === "api_key" ? "api" : "dashboard",
    });
    return sendResultResponse(result);
  } catch (err) {
    const res = toErrorResponse(err);
    if (res.status >= 500) logger.error({ err: (err as Error).message }, "POST /api/v1/messages failed");
    return res;
  }
}

/** The organization's messages, newest first: ?contact=&direction=&status=&limit=&cursor= */
export async function GET(req: Request) {
  try {
    const caller = await requireOrgCaller(req);
    const q = listMessagesQuery.parse(Object.fromEntries(new URL(req.url).searchParams));
    return Response.json(await withCaller(caller, (db) => listMessages(db, caller.orgId, q)));
  } catch (err) {
    return toErrorResponse(err);
  }
}
