import { requireMember } from "@/lib/auth/tenant-caller";
import { testRules } from "@/lib/automations/rules";
import { withTenant } from "@/lib/db/tx";
import { readJson } from "@/lib/http/errors";
import { routeError } from "@/lib/http/route-error";

// The dashboard's live tester: which rule an inbound text would fire (same matcher as the webhook).
export async function POST(req: Request) {
  try {
    const m = await requireMember(req);
    const body = await readJson(req);
    const result = await withTenant(m.claims, (db) => testRules(db, m.orgId, body));
    return Response.json(result);
  } catch (err) {
    return routeError(err, "automations.test");
  }
}
