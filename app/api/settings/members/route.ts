import { requireOrgUser } from "@/lib/auth/caller";
import { withService } from "@/lib/db/tx";
import { readJson } from "@/lib/http/errors";
import { handler } from "@/lib/http/route";
import { inviteMember, inviteSchema, listInvitations, listMembers } from "@/lib/team/team";

export const GET = handler(async (req) => {
  const caller = await requireOrgUser(req);
  const data = await withService(async (db) => ({
    members: await listMembers(db, caller.orgId),
    invitations: caller.role === "agent" ? [] : await listInvitations(db, caller.orgId),
  }));
  return Response.json(data);
});

export const POST = handler(async (req) => {
  const caller = await requireOrgUser(req, { roles: ["owner", "admin"] });
  const body = inviteSchema.parse(await readJson(req));
  const result = await withService((db) =>
    inviteMember(db, { orgId: caller.orgId, ...body, actorRole: caller.role, invitedBy: caller.userId }),
  );
  if (result.status === "invited") {
    const link = `${process.env.APP_URL ?? new URL(req.url).origin}/invite/${result.token}`;
    return Response.json({ status: "invited", invitation_id: result.invitationId, invite_link: link }, { status: 201 });
  }
  return Response.json({ status: "added", user_id: result.userId }, { status: 201 });
});
