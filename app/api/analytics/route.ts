import { analyticsQuerySchema, queryFromSearchParams } from "@/lib/analytics/range";
import { orgAnalytics } from "@/lib/analytics/org";
import { requireOrgUser } from "@/lib/auth/caller";
import { withTenant } from "@/lib/db/tx";
import { handler } from "@/lib/http/route";

// GET /api/analytics?from=YYYY-MM-DD&to=YYYY-MM-DD&channel_id=<uuid>: the signed-in member's organization.
export const GET = handler(async (req) => {
  const caller = await requireOrgUser(req, { allowSuspended: true });
  const q = analyticsQuerySchema.parse(queryFromSearchParams(new URL(req.url).searchParams));
  const data = await withTenant(caller.claims, (db) => orgAnalytics(db, caller.orgId, q));
  return Response.json({ data }, { headers: { "cache-control": "private, no-store" } });
});
