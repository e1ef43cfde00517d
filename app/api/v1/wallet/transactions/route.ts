import { requireOrgCaller } from "@/lib/auth/caller";
import { withCaller } from "@/lib/db/as-caller";
import { toErrorResponse } from "@/lib/http/errors";
import { listTransactions, listTransactionsQuery } from "@/lib/wallet/statement";

export async function GET(req: Request) {
  try {
    const caller = await requireOrgCaller(req, { allowSuspended: true });
    const q = listTransactionsQuery.parse(Object.fromEntries(new URL(req.url).searchParams));
    return Response.json(await withCaller(caller, (db) => listTransactions(db, caller.orgId, q)));
  } catch (err) {
    return toErrorResponse(err);
  }
}
