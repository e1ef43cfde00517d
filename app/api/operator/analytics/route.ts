import { operatorAnalytics } from "@/lib/analytics/operator";
import { operatorQuerySchema, queryFromSearchParams } from "@/lib/analytics/range";
import { requirePlatformAdmin } from "@/lib/auth/caller";
import { withService } from "@/lib/db/tx";
import { handler } from "@/lib/http/route";

// GET /api/operator/analytics?from&to: revenue, messages and active organizations per day, top
// organizations by fees. Platform admins only (everyone else gets 404).
export const GET = handler(async (req) => {
  await requirePlatformAdmin(req);
  const { from, to } = queryFromSearchParams(new URL(req.url).searchParams);
  const q = operatorQuerySchema.parse({ from, to });
  const data = await withService((db) => operatorAnalytics(db, q));
  return Response.json({ data }, { headers: { "cache-control": "private, no-store" } });
});
