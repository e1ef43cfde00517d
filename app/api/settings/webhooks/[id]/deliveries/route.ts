import { z } from "zod";
import { requireOrgUser } from "@/lib/auth/caller";
import { withTenant } from "@/lib/db/tx";
import { ApiError } from "@/lib/http/errors";
import { handler } from "@/lib/http/route";
import { listDeliveries } from "@/lib/webhooks/endpoints";
import { deliveriesQuerySchema } from "@/lib/webhooks/input";

// The delivery log of one endpoint, newest first: ?limit=20&cursor=<next_cursor>&status=failed
export const GET = handler<{ id: string }>(async (req, ctx) => {
  const caller = await requireOrgUser(req, { roles: ["owner", "admin"] });
  const id = z.string().uuid().safeParse((await ctx.params).id);
  const query = deliveriesQuerySchema.parse(Object.fromEntries(new URL(req.url).searchParams));
  const page = id.success
    ? await withTenant(caller.claims, (db) => listDeliveries(db, { ...query, orgId: caller.orgId, endpointId: id.data }))
    : null;
  if (!page) throw new ApiError(404, "not_found", "No webhook endpoint with that id in this organization.");
  return Response.json(page);
});
