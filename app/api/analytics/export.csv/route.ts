import { analyticsCsv, csvFileName } from "@/lib/analytics/csv";
import { orgAnalytics } from "@/lib/analytics/org";
import { analyticsQuerySchema, queryFromSearchParams } from "@/lib/analytics/range";
import { requireOrgUser } from "@/lib/auth/caller";
import { withTenant } from "@/lib/db/tx";
import { handler } from "@/lib/http/route";

// GET /api/analytics/export.csv?from&to&channel_id: the same figures as /api/analytics, one row per day.
export const GET = handler(async (req) => {
  const caller = await requireOrgUser(req, { allowSuspended: true });
  const q = analyticsQuerySchema.parse(queryFromSearchParams(new URL(req.url).searchParams));
  const data = await withTenant(caller.claims, (db) => orgAnalytics(db, caller.orgId, q));
  return new Response(analyticsCsv(data), {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${csvFileName(data)}"`,
      "cache-control": "private, no-store",
    },
  });
});
