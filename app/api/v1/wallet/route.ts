import { requireOrgCaller } from "@/lib/auth/caller";
import { withCallerDb } from "@/lib/auth/caller-db";
import { toErrorResponse } from "@/lib/http/errors";
import { getWalletSummary } from "@/lib/wallet/statement";

export async function GET(req: Request) {
  try {
    const caller = await requireOrgCaller(req, { allowSuspended: true });
    return Response.json(await withCallerDb(caller, (db) => getWalletSummary(db, caller.orgId)));
  } catch (err) {
    return toErrorResponse(err);
  }
}
