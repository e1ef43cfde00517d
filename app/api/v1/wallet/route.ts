import { requireOrgCaller } from "@/lib/auth/caller";
import { withCaller } from "@/lib/db/as-caller";
import { handler } from "@/lib/http/route";
import { getWalletSummary } from "@/lib/wallet/statement";

export const GET = handler(async (req) => {
  const caller = await requireOrgCaller(req, { allowSuspended: true });
  return Response.json(await withCaller(caller, (db) => getWalletSummary(db, caller.orgId)));
});
