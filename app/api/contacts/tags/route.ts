import { requireOrgCaller } from "@/lib/auth/caller";
import { tagsInUse } from "@/lib/contacts/contacts";
import { withCaller } from "@/lib/db/as-caller";
import { handler } from "@/lib/http/route";

export const GET = handler(async (req) => {
  const caller = await requireOrgCaller(req);
  return Response.json({ data: await withCaller(caller, (db) => tagsInUse(db, caller.orgId)) });
});
