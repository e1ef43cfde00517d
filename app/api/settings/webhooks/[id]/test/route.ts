import { z } from "zod";
import { requireOrgUser } from "@/lib/auth/caller";
import { ApiError } from "@/lib/http/errors";
import { handler } from "@/lib/http/route";
import { sendTestEvent } from "@/lib/webhooks/endpoints";

// Sends a webhook.test event now and answers with its delivery (status, HTTP code, error).
export const POST = handler<{ id: string }>(async (req, ctx) => {
  const caller = await requireOrgUser(req, { roles: ["owner", "admin"] });
  const id = z.string().uuid().safeParse((await ctx.params).id);
  const delivery = id.success ? await sendTestEvent(caller.orgId, id.data) : null;
  if (!delivery) throw new ApiError(404, "not_found", "No webhook endpoint with that id in this organization.");
  return Response.json(delivery);
});
