import { requireOrgCaller } from "@/lib/auth/caller";
import { withCaller } from "@/lib/db/as-caller";
import { handler } from "@/lib/http/route";
import { deleteTemplate, getTemplate } from "@/lib/templates/templates";

type IdCtx = { params: Promise<{ id: string }> };

export const GET = handler<{ id: string }>(async (req, ctx: IdCtx) => {
  const caller = await requireOrgCaller(req);
  const { id } = await ctx.params;
  return Response.json({ data: await withCaller(caller, (db) => getTemplate(db, caller.orgId, id)) });
});

// Deleted at Meta (this language), then kept here as DELETED.
export const DELETE = handler<{ id: string }>(async (req, ctx: IdCtx) => {
  const caller = await requireOrgCaller(req, { roles: ["owner", "admin"] });
  const { id } = await ctx.params;
  await deleteTemplate(caller, id);
  return new Response(null, { status: 204 });
});
