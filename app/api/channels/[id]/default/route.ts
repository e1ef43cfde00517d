import { requireOrgCaller } from "@/lib/auth/caller";
import { setDefaultChannel } from "@/lib/channels/channels";
import { withService } from "@/lib/db/tx";
import { toErrorResponse } from "@/lib/http/errors";

export async function POST(req: Request, ctx: { params: Promise<{ id: string }> }) {
  try {
    const caller = await requireOrgCaller(req, { roles: ["owner", "admin"] });
    const { id } = await ctx.params;
    return Response.json(await withService((db) => setDefaultChannel(db, caller.orgId, id)));
  } catch (err) {
    return toErrorResponse(err);
  }
}
