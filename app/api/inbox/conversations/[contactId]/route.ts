import { requireOrgUser } from "@/lib/auth/caller";
import { withTenant } from "@/lib/db/tx";
import { handler } from "@/lib/http/route";
import { getThread, threadQuerySchema } from "@/lib/inbox/conversations";

export const GET = handler<{ contactId: string }>(async (req, ctx) => {
  const caller = await requireOrgUser(req);
  const { contactId } = await ctx.params;
  const q = threadQuerySchema.parse(Object.fromEntries(new URL(req.url).searchParams));
  return Response.json(await withTenant(caller.claims, (db) => getThread(db, caller.orgId, contactId, q)));
});
