import { requireOrgUser } from "@/lib/auth/caller";
import { withTenant } from "@/lib/db/tx";
import { handler } from "@/lib/http/route";
import { ledgerCsvStream } from "@/lib/wallet/csv";
import { parseLedgerFilter } from "@/lib/wallet/overview";

// GET /api/wallet/transactions/export?kind=&from=&to= — the filtered ledger as a CSV download.
export const GET = handler(async (req) => {
  const caller = await requireOrgUser(req, { allowSuspended: true });
  const filter = parseLedgerFilter(new URL(req.url).searchParams);
  const stream = ledgerCsvStream((fn) => withTenant(caller.claims, fn), caller.orgId, filter);
  const day = new Date().toISOString().slice(0, 10);
  return new Response(stream, {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="wallet-transactions-${day}.csv"`,
      "cache-control": "no-store",
    },
  });
});
