import { requireOrgUser } from "@/lib/auth/caller";
import { withTenant } from "@/lib/db/tx";
import { handler } from "@/lib/http/route";
import { conversationQuerySchema, listConversations } from "@/lib/inbox/conversations";

export const GET = handler(async (req) => {
  const caller = await requireOrgUser(req);
  const q = conversationQuerySchema.parse(Object.fromEntries(new URL(req.url).searchParams));
  return Response.json(await withTenant(caller.claims, (db) => listConversations(db, caller.orgId, q)));
});
