import { requireOrgUser } from "@/lib/auth/caller";
import { deleteRule, updateRule } from "@/lib/automations/rules";
import { withTenant } from "@/lib/db/tx";
import { readJson } from "@/lib/http/errors";
import { handler } from "@/lib/http/route";

export const PATCH = handler<{ id: string }>(async (req, ctx) => {
  const m = await requireOrgUser(req, { roles: ["owner", "admin"] });
  const { id } = await ctx.params;
  const body = await readJson(req);
  const rule = await withTenant(m.claims, (db) => updateRule(db, m.orgId, id, body));
  return Response.json({ rule });
});

export const DELETE = handler<{ id: string }>(async (req, ctx) => {
  const m = await requireOrgUser(req, { roles: ["owner", "admin"] });
  const { id } = await ctx.params;
  await withTenant(m.claims, (db) => deleteRule(db, m.orgId, id));
  return new Response(null, { status: 204 });
});
