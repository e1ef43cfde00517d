import { requireOrgCaller } from "@/lib/auth/caller";
import { withCaller } from "@/lib/db/as-caller";
import { toErrorResponse } from "@/lib/http/errors";
import { getMessage } from "@/lib/messaging/messages";

export async function GET(req: Request, ctx: { params: Promise<{ id: string }> }) {
  try {
    const caller = await requireOrgCaller(req);
    const { id } = await ctx.params;
    return Response.json(await withCaller(caller, (db) => getMessage(db, caller.orgId, id)));
  } catch (err) {
    return toErrorResponse(err);
  }
}
