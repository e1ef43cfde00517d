import { requireOrgUser } from "@/lib/auth/caller";
import { withTenant } from "@/lib/db/tx";
import { readJson } from "@/lib/http/errors";
import { handler } from "@/lib/http/route";
import { setLowBalanceThreshold, thresholdSchema } from "@/lib/wallet/low-balance";

// PATCH /api/settings/low-balance {threshold_paise} — owners and admins set when the alert fires.
export const PATCH = handler(async (req) => {
  const caller = await requireOrgUser(req, { roles: ["owner", "admin"] });
  const { threshold_paise } = thresholdSchema.parse(await readJson(req));
  return Response.json(await withTenant(caller.claims, (db) => setLowBalanceThreshold(db, caller.orgId, threshold_paise)));
});
