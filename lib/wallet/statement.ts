import { z } from "zod";
import type { Db } from "../db/tx";
import { ApiError } from "../http/errors";

// Read side of the wallet for the API and pages: summary and the ledger, newest first. Every query
// names the organization, so it is safe as service_role (API keys) and under RLS (sessions).

export interface WalletSummary {
  balance_paise: number;
  fee_paise: number;
  low_balance_threshold_paise: number;
}

export async function getWalletSummary(db: Db, orgId: string): Promise<WalletSummary> {
  const { rows } = await db.query<WalletSummary>(
    `select coalesce(w.balance_paise, 0) as balance_paise, o.service_fee_paise as fee_paise, o.low_balance_threshold_paise
     from public.organizations o left join public.wallets w on w.org_id = o.id where o.id = $1`,
    [orgId],
  );
  if (!rows[0]) throw new ApiError(404, "organization_not_found", "Organization not found.");
  return rows[0];
}

export const listTransactionsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().regex(/^\d{1,18}$/, "cursor is not valid; pass next_cursor unchanged").optional(),
});

export interface WalletTransactionView {
  id: number;
  kind: "credit" | "debit" | "refund" | "adjustment";
  amount_paise: number;
  balance_after_paise: number;
  reference: string;
  message_id: string | null;
  payment_id: string | null;
  description: string | null;
  created_at: Date;
}

/** Keyset-paginated on the ledger id (monotonic), newest first. */
export async function listTransactions(
  db: Db,
  orgId: string,
  q: z.infer<typeof listTransactionsQuery>,
): Promise<{ data: WalletTransactionView[]; next_cursor: string | null }> {
  const { rows } = await db.query<WalletTransactionView>(
    `select id, kind, amount_paise, balance_after_paise, reference, message_id, payment_id, description, created_at
     from public.wallet_transactions where org_id = $1 and ($2::bigint is null or id < $2::bigint)
     order by id desc limit $3`,
    [orgId, q.cursor ?? null, q.limit + 1],
  );
  const page = rows.slice(0, q.limit);
  return { data: page, next_cursor: rows.length > q.limit ? String(page[page.length - 1].id) : null };
}
