import { z } from "zod";
import { requireOrgUser } from "@/lib/auth/caller";
import { withService } from "@/lib/db/tx";
import { ApiError, readJson } from "@/lib/http/errors";
import { handler } from "@/lib/http/route";
import { roleSchema } from "@/lib/orgs/organizations";
import { changeRole, removeMember } from "@/lib/team/team";

const idSchema = z.string().uuid();

async function target(ctx: { params: Promise<{ userId: string }> }): Promise<string> {
  const parsed = idSchema.safeParse((await ctx.params).userId);
  if (!parsed.success) throw new ApiError(404, "not_found", "No such member.");
  return parsed.data;
}

export const PATCH = handler<{ userId: string }>(async (req, ctx) => {
  const caller = await requireOrgUser(req, { roles: ["owner", "admin"] });
  const userId = await target(ctx);
  const { role } = z.object({ role: roleSchema }).parse(await readJson(req));
  await withService((db) => changeRole(db, { orgId: caller.orgId, userId, role, actorRole: caller.role }));
  return Response.json({ user_id: userId, role });
});

export const DELETE = handler<{ userId: string }>(async (req, ctx) => {
  const caller = await requireOrgUser(req, { roles: ["owner", "admin"] });
  const userId = await target(ctx);
  await withService((db) => removeMember(db, { orgId: caller.orgId, userId, actorRole: caller.role }));
  return new Response(null, { status: 204 });
});
