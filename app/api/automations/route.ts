import { requireMember } from "@/lib/auth/tenant-caller";
import { createRule, listRules } from "@/lib/automations/rules";
import { withTenant } from "@/lib/db/tx";
import { readJson } from "@/lib/http/errors";
import { routeError } from "@/lib/http/route-error";

// Auto-reply rules of the caller's organization: members read, owners and admins write.

export async function GET(req: Request) {
  try {
    const m = await requireMember(req);
    const rules = await withTenant(m.claims, (db) => listRules(db, m.orgId));
    return Response.json({ rules });
  } catch (err) {
    return routeError(err, "automations.list");
  }
}

export async function POST(req: Request) {
  try {
    const m = await requireMember(req, { roles: ["owner", "admin"] });
    const body = await readJson(req);
    const rule = await withTenant(m.claims, (db) => createRule(db, m.orgId, body));
    return Response.json({ rule }, { status: 201 });
  } catch (err) {
    return routeError(err, "automations.create");
  }
}
