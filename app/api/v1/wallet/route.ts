import { requireOrgCaller } from "@/lib/auth/caller";
import { withCaller } from "@/lib/db/as-caller";
import { toErrorResponse } from "@/lib/http/errors";
import { getWalletSummary } from "@/lib/wallet/statement";

export async function GET(req: Request) {
  try {
    const caller = await requireOrgCaller(req, { allowSuspended: true });
    return Response.json(await withCaller(caller, (db) => getWalletSummary(db, caller.orgId)));
  } catch (err) {
    return toErrorResponse(err);
  }
}
