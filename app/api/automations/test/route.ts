import { requireOrgUser } from "@/lib/auth/caller";
import { testRules } from "@/lib/automations/rules";
import { withTenant } from "@/lib/db/tx";
import { readJson } from "@/lib/http/errors";
import { handler } from "@/lib/http/route";

// The dashboard's live tester: which rule an inbound text would fire (same matcher as the webhook).
export const POST = handler(async (req) => {
  const m = await requireOrgUser(req);
  const body = await readJson(req);
  return Response.json(await withTenant(m.claims, (db) => testRules(db, m.orgId, body)));
});
