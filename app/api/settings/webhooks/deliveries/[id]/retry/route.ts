import { z } from "zod";
import { requireOrgUser } from "@/lib/auth/caller";
import { ApiError } from "@/lib/http/errors";
import { handler } from "@/lib/http/route";
import { retryDelivery } from "@/lib/webhooks/endpoints";

// Attempts one delivery again now and answers with its outcome.
export const POST = handler<{ id: string }>(async (req, ctx) => {
  const caller = await requireOrgUser(req, { roles: ["owner", "admin"] });
  const id = z.string().regex(/^\d{1,18}$/).transform(Number).safeParse((await ctx.params).id);
  const delivery = id.success ? await retryDelivery(caller.orgId, id.data) : null;
  if (!delivery) throw new ApiError(404, "not_found", "No webhook delivery with that id in this organization.");
  return Response.json(delivery);
});
