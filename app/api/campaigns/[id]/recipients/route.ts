import { z } from "zod";
import { requireOrgCaller } from "@/lib/auth/caller";
import { getCampaignRow, reportPage } from "@/lib/campaigns/campaigns";
import { withCaller } from "@/lib/db/as-caller";
import { handler } from "@/lib/http/route";

// The dashboard's report table: one page of recipients (?after=<seq>&status=&limit=).
const query = z.object({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  status: z.enum(["queued", "sending", "sent", "delivered", "read", "failed", "skipped"]).optional(),
});

export const dynamic = "force-dynamic";
export const GET = handler<{ id: string }>(async (req, ctx) => {
  const caller = await requireOrgCaller(req);
  const { id } = await ctx.params;
  const q = query.parse(Object.fromEntries(new URL(req.url).searchParams));
  const rows = await withCaller(caller, async (db) => {
    await getCampaignRow(db, caller.orgId, id);
    return reportPage(db, caller.orgId, id, q.after, q.limit + 1, q.status);
  });
  return Response.json({ data: rows.slice(0, q.limit), next_after: rows.length > q.limit ? rows[q.limit - 1].seq : null });
});
