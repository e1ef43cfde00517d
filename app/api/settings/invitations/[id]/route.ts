import { z } from "zod";
import { requireOrgUser } from "@/lib/auth/caller";
import { withService } from "@/lib/db/tx";
import { ApiError } from "@/lib/http/errors";
import { handler } from "@/lib/http/route";
import { revokeInvitation } from "@/lib/team/team";

export const DELETE = handler<{ id: string }>(async (req, ctx) => {
  const caller = await requireOrgUser(req, { roles: ["owner", "admin"] });
  const id = z.string().uuid().safeParse((await ctx.params).id);
  if (!id.success) throw new ApiError(404, "not_found", "No open invitation with that id.");
  await withService((db) => revokeInvitation(db, { orgId: caller.orgId, invitationId: id.data }));
  return new Response(null, { status: 204 });
});
