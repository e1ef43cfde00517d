import { requireMember } from "@/lib/auth/tenant-caller";
import { deleteRule, updateRule } from "@/lib/automations/rules";
import { withTenant } from "@/lib/db/tx";
import { readJson } from "@/lib/http/errors";
import { routeError } from "@/lib/http/route-error";

type Ctx = { params: Promise<{ id: string }> };

export async function PATCH(req: Request, ctx: Ctx) {
  try {
    const m = await requireMember(req, { roles: ["owner", "admin"] });
    const { id } = await ctx.params;
    const body = await readJson(req);
    const rule = await withTenant(m.claims, (db) => updateRule(db, m.orgId, id, body));
    return Response.json({ rule });
  } catch (err) {
    return routeError(err, "automations.update");
  }
}

export async function DELETE(req: Request, ctx: Ctx) {
  try {
    const m = await requireMember(req, { roles: ["owner", "admin"] });
    const { id } = await ctx.params;
    await withTenant(m.claims, (db) => deleteRule(db, m.orgId, id));
    return new Response(null, { status: 204 });
  } catch (err) {
    return routeError(err, "automations.delete");
  }
}
