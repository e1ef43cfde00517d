import { requireOrgCaller } from "@/lib/auth/caller";
import { withCaller } from "@/lib/db/as-caller";
import { handler } from "@/lib/http/route";
import { getMessage } from "@/lib/messaging/messages";

export const GET = handler<{ id: string }>(async (req, ctx) => {
  const caller = await requireOrgCaller(req);
  const { id } = await ctx.params;
  return Response.json(await withCaller(caller, (db) => getMessage(db, caller.orgId, id)));
});
