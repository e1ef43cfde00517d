import { servicePrepared } from "../db/service-query";
import type { Db } from "../db/tx";

export type WalletStatus = "applied" | "duplicate" | "insufficient_funds" | "no_wallet" | "not_found" | "invalid";

export interface WalletResult {
  ok: boolean;
  status: WalletStatus;
  transactionId: number | null;
  balancePaise: number | null;
  crossedLowBalance: boolean;
}

type Row = {
  ok: boolean;
  status: WalletStatus;
  transaction_id: number | null;
  balance_paise: number | null;
  crossed_low_balance: boolean;
};

function toResult(row: Row): WalletResult {
  return {
    ok: row.ok,
    status: row.status,
    transactionId: row.transaction_id,
    balancePaise: row.balance_paise,
    crossedLowBalance: row.crossed_low_balance,
  };
}

function assertPaise(amount: number, name = "amount"): void {
  if (!Number.isSafeInteger(amount)) throw new Error(`${name} must be an integer number of paise`);
}

// The SQL functions (supabase/migrations/*_wallet_functions.sql) hold the rules; these wrappers
// only call them, inside whatever service-role transaction the caller is in.

interface DebitArgs {
  orgId: string;
  amountPaise: number;
  reference: string;
  description?: string;
  messageId?: string;
}

/** wallet_debit's parameters, in order, for either way of calling it. */
function debitValues(args: DebitArgs): unknown[] {
  assertPaise(args.amountPaise);
  return [args.orgId, args.amountPaise, args.reference, args.description ?? null, args.messageId ?? null];
}

/** Charges p_amount; refuses with status insufficient_funds instead of going negative. Idempotent by reference. */
export async function debit(db: Db, args: DebitArgs): Promise<WalletResult> {
  const { rows } = await db.query<Row>("select * from private.wallet_debit($1, $2, $3, $4, $5)", debitValues(args));
  return toResult(rows[0]);
}

/**
 * The same debit as a transaction of its own, committed before this returns
 * (private.wallet_debit_commit): the wallet's lock is released before the commit's disk flush, so
 * debits of one busy wallet do not queue behind each other's flushes, and the answer still comes
 * only once the debit is on disk. Runs on the service pool, outside any transaction.
 */
export async function debitCommitted(args: DebitArgs): Promise<WalletResult> {
  const { rows } = await servicePrepared<Row>("wallet_debit_commit", "call private.wallet_debit_commit($1, $2, $3, $4, $5)", debitValues(args));
  return toResult(rows[0]);
}

/** Adds money (kind credit), or corrects it (kind adjustment, may be negative). Idempotent by reference. */
export async function credit(
  db: Db,
  args: {
    orgId: string;
    amountPaise: number;
    reference: string;
    kind?: "credit" | "adjustment";
    description?: string;
    paymentId?: string;
    createdBy?: string;
  },
): Promise<WalletResult> {
  assertPaise(args.amountPaise);
  const { rows } = await db.query<Row>("select * from private.wallet_credit($1, $2, $3, $4, $5, $6, $7)", [
    args.orgId,
    args.amountPaise,
    args.reference,
    args.kind ?? "credit",
    args.description ?? null,
    args.paymentId ?? null,
    args.createdBy ?? null,
  ]);
  return toResult(rows[0]);
}

/** Refunds a debit identified by its reference, at most once and never more than it. */
export async function refund(
  db: Db,
  args: { debitReference: string; amountPaise?: number; description?: string },
): Promise<WalletResult> {
  if (args.amountPaise !== undefined) assertPaise(args.amountPaise);
  const { rows } = await db.query<Row>("select * from private.wallet_refund($1, $2, $3)", [
    args.debitReference,
    args.amountPaise ?? null,
    args.description ?? null,
  ]);
  return toResult(rows[0]);
}

/**
 * Takes a refunded recharge back out of the wallet (ledger kind payment_refund): once per Razorpay
 * refund id, never more in total than the payment credited, never below zero.
 */
export async function debitPaymentRefund(
  db: Db,
  args: { orgId: string; amountPaise: number; reference: string; paymentId: string; description?: string },
): Promise<WalletResult> {
  assertPaise(args.amountPaise);
  const { rows } = await db.query<Row>("select * from private.wallet_payment_refund($1, $2, $3, $4, $5)", [
    args.orgId,
    args.amountPaise,
    args.reference,
    args.paymentId,
    args.description ?? null,
  ]);
  return toResult(rows[0]);
}

export async function getBalance(db: Db, orgId: string): Promise<number | null> {
  const { rows } = await db.query<{ balance_paise: number }>("select balance_paise from public.wallets where org_id = $1", [
    orgId,
  ]);
  return rows[0]?.balance_paise ?? null;
}

/** Reference conventions, in one place so every path agrees on what "the same charge" is. */
export const references = {
  messageDebit: (messageId: string) => `msg:${messageId}`,
  razorpayPayment: (paymentId: string) => `rzp:${paymentId}`,
  razorpayRefund: (refundId: string) => `rzp_refund:${refundId}`,
  adjustment: (id: string) => `adj:${id}`,
};
