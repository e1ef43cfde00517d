import { requireOrgCaller } from "@/lib/auth/caller";
import { withCaller } from "@/lib/db/as-caller";
import { readJson } from "@/lib/http/errors";
import { handler } from "@/lib/http/route";
import { listMessages, listMessagesQuery } from "@/lib/messaging/messages";
import { parseSendRequest } from "@/lib/messaging/outbound";
import { sendMessage } from "@/lib/messaging/send";
import { sendResultResponse } from "@/lib/messaging/send-response";

/** Send a message (Meta's body shape), as the caller's organization. Optional Idempotency-Key header. */
export const POST = handler(async (req) => {
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
});

/** The organization's messages, newest first: ?contact=&direction=&status=&limit=&cursor= */
export const GET = handler(async (req) => {
  const caller = await requireOrgCaller(req);
  const q = listMessagesQuery.parse(Object.fromEntries(new URL(req.url).searchParams));
  return Response.json(await withCaller(caller, (db) => listMessages(db, caller.orgId, q)));
});
