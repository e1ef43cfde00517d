import { requireOrgCaller } from "@/lib/auth/caller";
import { withCallerDb } from "@/lib/auth/caller-db";
import { toErrorResponse } from "@/lib/http/errors";
import { getMessage } from "@/lib/messaging/messages";

export async function GET(req: Request, ctx: { params: Promise<{ id: string }> }) {
  try {
    const caller = await requireOrgCaller(req);
    const { id } = await ctx.params;
    return Response.json(await withCallerDb(caller, (db) => getMessage(db, caller.orgId, id)));
  } catch (err) {
    return toErrorResponse(err);
  }
}
