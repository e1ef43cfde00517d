import { z } from "zod";
import type { Db } from "../db/tx";

// What the wallet page, GET /api/wallet and the CSV export read. Every function here takes a
// tenant transaction (withTenant): RLS decides which rows exist; the org_id filter only picks the
// organization the caller is acting for among those they belong to.

export type BalanceLevel = "ok" | "warning" | "low";

/** Green at or above twice the threshold, amber below that, red below the threshold itself. */
export function balanceLevel(balancePaise: number, thresholdPaise: number): BalanceLevel {
  if (balancePaise < thresholdPaise) return "low";
  if (balancePaise < 2 * thresholdPaise) return "warning";
  return "ok";
}

export interface WalletSummary {
  balance_paise: number;
  threshold_paise: number;
  fee_paise: number;
  /** How many messages the balance still pays for at the current fee (null when messages are free). */
  messages_left: number | null;
  level: BalanceLevel;
  updated_at: string;
}

export async function getWalletSummary(db: Db, orgId: string): Promise<WalletSummary | null> {
  const { rows } = await db.query<{ balance_paise: number; threshold_paise: number; fee_paise: number; updated_at: Date }>(
    `select w.balance_paise, o.low_balance_threshold_paise as threshold_paise, o.service_fee_paise as fee_paise, w.updated_at
     from public.wallets w join public.organizations o on o.id = w.org_id
     where w.org_id = $1`,
    [orgId],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    balance_paise: r.balance_paise,
    threshold_paise: r.threshold_paise,
    fee_paise: r.fee_paise,
    messages_left: r.fee_paise > 0 ? Math.floor(r.balance_paise / r.fee_paise) : null,
    level: balanceLevel(r.balance_paise, r.threshold_paise),
    updated_at: r.updated_at.toISOString(),
  };
}

export const LEDGER_KINDS = ["debit", "credit", "refund", "payment_refund", "adjustment"] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];

/** What each ledger kind was for, in words a tenant uses. */
export const KIND_LABELS: Record<LedgerKind, string> = {
  debit: "Message fee",
  credit: "Recharge",
  refund: "Message refund",
  payment_refund: "Recharge refunded",
  adjustment: "Adjustment",
};

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "Use a date like 2026-11-23")
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)), "Not a real date");

/** Ledger filters, from a query string. Dates are whole days in India time (Asia/Kolkata). */
export const ledgerFilterSchema = z.object({
  kind: z.enum(LEDGER_KINDS).optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
});
export type LedgerFilter = z.infer<typeof ledgerFilterSchema>;

/** Reads filters from URL search params, dropping empty values (an empty select or date field). */
export function parseLedgerFilter(params: URLSearchParams | Record<string, string | string[] | undefined>): LedgerFilter {
  const get = (k: string) => {
    const v = params instanceof URLSearchParams ? params.get(k) : params[k];
    const s = Array.isArray(v) ? v[0] : v;
    return s ? s : undefined;
  };
  return ledgerFilterSchema.parse({ kind: get("kind"), from: get("from"), to: get("to") });
}

export interface LedgerRow {
  id: number;
  kind: LedgerKind;
  amount_paise: number;
  balance_after_paise: number;
  reference: string;
  message_id: string | null;
  /** The conversation the message belongs to (for a link into the inbox). */
  contact_id: string | null;
  payment_id: string | null;
  description: string | null;
  created_at: Date;
}

function whereClause(orgId: string, f: LedgerFilter): { sql: string; params: unknown[] } {
  const params: unknown[] = [orgId];
  const parts = ["t.org_id = $1"];
  if (f.kind) {
    params.push(f.kind);
    parts.push(`t.kind = $${params.length}`);
  }
  if (f.from) {
    params.push(f.from);
    parts.push(`t.created_at >= ($${params.length}::date)::timestamp at time zone 'Asia/Kolkata'`);
  }
  if (f.to) {
    params.push(f.to);
    parts.push(`t.created_at < ($${params.length}::date + 1)::timestamp at time zone 'Asia/Kolkata'`);
  }
  return { sql: parts.join(" and "), params };
}

const LEDGER_COLUMNS =
  "t.id, t.kind, t.amount_paise, t.balance_after_paise, t.reference, t.message_id, m.contact_id, t.payment_id, t.description, t.created_at";
const LEDGER_FROM = "public.wallet_transactions t left join public.messages m on m.id = t.message_id";

export const LEDGER_PAGE_SIZE = 25;

/** One page of the ledger, newest first. */
export async function listLedger(
  db: Db,
  orgId: string,
  f: LedgerFilter,
  page = 1,
  pageSize = LEDGER_PAGE_SIZE,
): Promise<{ rows: LedgerRow[]; total: number; page: number; pageCount: number }> {
  const w = whereClause(orgId, f);
  const { rows: count } = await db.query<{ n: number }>(`select count(*)::int as n from public.wallet_transactions t where ${w.sql}`, w.params);
  const total = count[0].n;
  const pageCount = Math.max(1, Math.ceil(total / pageSize));
  const p = Math.min(Math.max(1, Math.trunc(page) || 1), pageCount);
  const { rows } = await db.query<LedgerRow>(
    `select ${LEDGER_COLUMNS} from ${LEDGER_FROM} where ${w.sql}
     order by t.created_at desc, t.id desc limit ${pageSize} offset ${(p - 1) * pageSize}`,
    w.params,
  );
  return { rows, total, page: p, pageCount };
}

/**
 * The whole filtered ledger in batches, newest first, by keyset (id) so a long export neither
 * skips nor repeats rows as new ones arrive. Each batch is its own short tenant transaction.
 */
export async function* ledgerBatches(
  run: <T>(fn: (db: Db) => Promise<T>) => Promise<T>,
  orgId: string,
  f: LedgerFilter,
  batchSize = 2000,
): AsyncGenerator<LedgerRow[]> {
  let before: number | null = null;
  for (;;) {
    const w = whereClause(orgId, f);
    if (before !== null) {
      w.params.push(before);
      w.sql += ` and t.id < $${w.params.length}`;
    }
    const sql = `select ${LEDGER_COLUMNS} from ${LEDGER_FROM} where ${w.sql} order by t.id desc limit ${batchSize}`;
    const { rows } = await run((db) => db.query<LedgerRow>(sql, w.params));
    if (rows.length) yield rows;
    if (rows.length < batchSize) return;
    before = rows[rows.length - 1].id;
  }
}

export interface PaymentRow {
  id: string;
  mode: "live" | "sandbox";
  order_id: string;
  payment_id: string | null;
  amount_paise: number;
  status: "created" | "paid" | "failed" | "refunded";
  refunded_paise: number;
  failure_reason: string | null;
  created_at: Date;
  paid_at: Date | null;
}

/** Recent recharges, newest first. */
export async function listPayments(db: Db, orgId: string, limit = 20): Promise<PaymentRow[]> {
  const { rows } = await db.query<PaymentRow>(
    `select id, mode, order_id, payment_id, amount_paise, status, refunded_paise, failure_reason, created_at, paid_at
     from public.payments where org_id = $1 order by created_at desc limit $2`,
    [orgId, limit],
  );
  return rows;
}
