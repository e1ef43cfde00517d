import { requireOrgUser } from "@/lib/auth/caller";
import { withTenant } from "@/lib/db/tx";
import { handler } from "@/lib/http/route";
import { markRead } from "@/lib/inbox/conversations";

export const POST = handler<{ contactId: string }>(async (req, ctx) => {
  const caller = await requireOrgUser(req);
  const { contactId } = await ctx.params;
  await withTenant(caller.claims, (db) => markRead(db, caller.orgId, contactId));
  return new Response(null, { status: 204 });
});
