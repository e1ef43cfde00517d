import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { Db } from "../db/tx";
import { ApiError } from "../http/errors";
import { credit, references, type WalletResult } from "../wallet/wallet";

// The platform operator's view across organizations. Always runs as service_role; callers must
// have checked that the user is a platform admin (caller.isPlatformAdmin).

export interface OrgOverview {
  id: string;
  name: string;
  status: "active" | "suspended";
  service_fee_paise: number;
  balance_paise: number;
  messages_this_month: number;
  fees_this_month_paise: number;
  created_at: Date;
}

/**
 * Every organization with its balance and this month's messages and net fees (debits less refunds).
 * Months and days here are India's (Asia/Kolkata), as everywhere on the platform.
 */
export async function listOrganizations(db: Db): Promise<OrgOverview[]> {
  const { rows } = await db.query<OrgOverview>(
    `with month as (select date_trunc('month', now() at time zone 'Asia/Kolkata') at time zone 'Asia/Kolkata' as start),
     fees as (
       select t.org_id, -sum(t.amount_paise) filter (where t.kind in ('debit', 'refund'))::bigint as fees
       from public.wallet_transactions t, month
       where t.created_at >= month.start and t.kind in ('debit', 'refund')
       group by t.org_id
     ),
     msgs as (
       select m.org_id, count(*)::bigint as n from public.messages m, month
       where m.created_at >= month.start and m.direction = 'outbound'
       group by m.org_id
     )
     select o.id, o.name, o.status, o.service_fee_paise, coalesce(w.balance_paise, 0) as balance_paise,
            coalesce(msgs.n, 0) as messages_this_month, coalesce(fees.fees, 0) as fees_this_month_paise, o.created_at
     from public.organizations o
     left join public.wallets w on w.org_id = o.id
     left join fees on fees.org_id = o.id
     left join msgs on msgs.org_id = o.id
     order by o.created_at`,
  );
  return rows;
}

export const feeSchema = z.coerce
  .number({ error: "Fee must be a whole number of paise" })
  .int("Fee must be a whole number of paise")
  .min(0, "Fee cannot be negative")
  .max(100_000, "Fee cannot exceed ₹1,000 per message");

async function requireOrg(db: Db, orgId: string): Promise<void> {
  const { rowCount } = await db.query("select 1 from public.organizations where id = $1", [orgId]);
  if (!rowCount) throw new ApiError(404, "not_found", `No organization with id ${orgId}.`);
}

export async function setServiceFee(db: Db, orgId: string, feePaise: number): Promise<void> {
  const fee = feeSchema.parse(feePaise);
  await requireOrg(db, orgId);
  await db.query("update public.organizations set service_fee_paise = $2 where id = $1", [orgId, fee]);
}

export async function setOrganizationStatus(db: Db, orgId: string, status: "active" | "suspended"): Promise<void> {
  await requireOrg(db, orgId);
  await db.query("update public.organizations set status = $2 where id = $1", [orgId, status]);
}

export const adjustmentSchema = z.object({
  amount_paise: z
    .number({ error: "Amount must be a whole number of paise" })
    .int("Amount must be a whole number of paise")
    .refine((n) => n !== 0, "Amount cannot be zero")
    .refine((n) => Math.abs(n) <= 100_000_000, "Amount is larger than ₹10,00,000"),
  reason: z.string().trim().min(3, "Give a reason (at least 3 characters)").max(200, "Reason is too long"),
});

/** An operator credit (positive) or debit (negative) as an 'adjustment' ledger entry; never below zero. */
export async function adjustBalance(
  db: Db,
  args: { orgId: string; amountPaise: number; reason: string; actorUserId?: string | null },
): Promise<WalletResult> {
  const { amount_paise, reason } = adjustmentSchema.parse({ amount_paise: args.amountPaise, reason: args.reason });
  await requireOrg(db, args.orgId);
  const result = await credit(db, {
    orgId: args.orgId,
    amountPaise: amount_paise,
    reference: references.adjustment(randomUUID()),
    kind: "adjustment",
    description: reason,
    createdBy: args.actorUserId ?? undefined,
  });
  if (result.status === "insufficient_funds") {
    throw new ApiError(409, "insufficient_funds", `The balance is only ${result.balancePaise} paise; an adjustment cannot take it below zero.`, {
      balance_paise: result.balancePaise,
    });
  }
  if (!result.ok) throw new ApiError(400, result.status, `The adjustment was not applied (${result.status}).`);
  return result;
}

export interface RevenueDay {
  day: string;
  fees_paise: number;
  messages: number;
}

/** Platform revenue from service fees per India day (debits less their refunds), newest first. */
export async function revenueByDay(db: Db, days = 30): Promise<RevenueDay[]> {
  const { rows } = await db.query<RevenueDay>(
    `with d as (
       select (now() at time zone 'Asia/Kolkata')::date - g.n as day from generate_series(0, $1::int - 1) as g(n)
     )
     select to_char(d.day, 'YYYY-MM-DD') as day,
            coalesce(-sum(t.amount_paise), 0)::bigint as fees_paise,
            count(t.id) filter (where t.kind = 'debit')::bigint as messages
     from d
     left join public.wallet_transactions t
       on t.created_at >= d.day::timestamp at time zone 'Asia/Kolkata'
      and t.created_at < (d.day + 1)::timestamp at time zone 'Asia/Kolkata'
      and t.kind in ('debit', 'refund')
     group by d.day order by d.day desc`,
    [days],
  );
  return rows;
}

export interface OrgSummary {
  id: string;
  name: string;
  status: "active" | "suspended";
  service_fee_paise: number;
  low_balance_threshold_paise: number;
  balance_paise: number;
  created_at: Date;
}

/** One organization with its wallet balance, or null when unknown. */
export async function getOrganization(db: Db, orgId: string): Promise<OrgSummary | null> {
  const { rows } = await db.query<OrgSummary>(
    `select o.id, o.name, o.status, o.service_fee_paise, o.low_balance_threshold_paise,
            coalesce(w.balance_paise, 0) as balance_paise, o.created_at
     from public.organizations o left join public.wallets w on w.org_id = o.id where o.id = $1`,
    [orgId],
  );
  return rows[0] ?? null;
}

/** Makes a user a platform operator; false when they already were one. */
export async function grantOperator(db: Db, userId: string): Promise<boolean> {
  const r = await db.query("insert into public.platform_admins (user_id) values ($1) on conflict do nothing", [userId]);
  return (r.rowCount ?? 0) > 0;
}
