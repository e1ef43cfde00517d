import { z } from "zod";
import { requireOrgUser } from "@/lib/auth/caller";
import { withTenant } from "@/lib/db/tx";
import { ApiError } from "@/lib/http/errors";
import { handler } from "@/lib/http/route";
import { dismissNotice } from "@/lib/wallet/low-balance";

// POST /api/notifications/:id/read — dismisses an in-app notice for the organization.
export const POST = handler<{ id: string }>(async (req, ctx) => {
  const caller = await requireOrgUser(req, { allowSuspended: true });
  const id = z.coerce.number().int().positive().safeParse((await ctx.params).id);
  if (!id.success) throw new ApiError(404, "not_found", "No such notice.");
  const done = await withTenant(caller.claims, (db) => dismissNotice(db, caller.orgId, id.data));
  if (!done) throw new ApiError(404, "not_found", "No such notice, or it was already dismissed.");
  return new Response(null, { status: 204 });
});
