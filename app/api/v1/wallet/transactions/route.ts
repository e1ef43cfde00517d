import { requireOrgCaller } from "@/lib/auth/caller";
import { withCaller } from "@/lib/db/as-caller";
import { handler } from "@/lib/http/route";
import { listTransactions, listTransactionsQuery } from "@/lib/wallet/statement";

export const GET = handler(async (req) => {
  const caller = await requireOrgCaller(req, { allowSuspended: true });
  const q = listTransactionsQuery.parse(Object.fromEntries(new URL(req.url).searchParams));
  return Response.json(await withCaller(caller, (db) => listTransactions(db, caller.orgId, q)));
});
