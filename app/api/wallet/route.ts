import { requireOrgCaller } from "@/lib/auth/caller";
import { withService, withTenant, type Db } from "@/lib/db/tx";
import { ApiError } from "@/lib/http/errors";
import { handler } from "@/lib/http/route";
import { currentLowBalanceNotice } from "@/lib/wallet/low-balance";
import { getWalletSummary } from "@/lib/wallet/overview";

// GET /api/wallet — the balance and what it means, polled by the wallet page and the low-balance
// notice so they change without a reload. Members read it through RLS; an API key reads its own org.
export const GET = handler(async (req) => {
  const caller = await requireOrgCaller(req, { allowSuspended: true });
  const read = async (db: Db) => {
    const summary = await getWalletSummary(db, caller.orgId);
    if (!summary) throw new ApiError(404, "wallet_not_found", "This organization has no wallet.");
    const isAdmin = caller.kind === "user" && (caller.role === "owner" || caller.role === "admin");
    return { ...summary, low_balance_notice: isAdmin ? await currentLowBalanceNotice(db, caller.orgId) : null };
  };
  const data = caller.kind === "user" ? await withTenant(caller.claims, read) : await withService(read);
  return Response.json(data, { headers: { "cache-control": "no-store" } });
});
