import { requireOrgUser } from "@/lib/auth/caller";
import { createRule, listRules } from "@/lib/automations/rules";
import { withTenant } from "@/lib/db/tx";
import { readJson } from "@/lib/http/errors";
import { handler } from "@/lib/http/route";

// Auto-reply rules of the caller's organization: members read, owners and admins write (RLS agrees).

export const GET = handler(async (req) => {
  const m = await requireOrgUser(req);
  const rules = await withTenant(m.claims, (db) => listRules(db, m.orgId));
  return Response.json({ rules });
});

export const POST = handler(async (req) => {
  const m = await requireOrgUser(req, { roles: ["owner", "admin"] });
  const body = await readJson(req);
  const rule = await withTenant(m.claims, (db) => createRule(db, m.orgId, body));
  return Response.json({ rule }, { status: 201 });
});
