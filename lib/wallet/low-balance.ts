import { z } from "zod";
import type { Db } from "../db/tx";
import { ApiError } from "../http/errors";
import { balanceLevel, type BalanceLevel } from "./overview";

// The low-balance alert: the threshold an organization's admins set, and the in-app notice. The
// notice itself is recorded by the debit in SQL (one notifications row per crossing); the email
// goes out from lib/notifications/low-balance-email.ts.

/** Up to ₹10,00,000: a threshold above anything a wallet plausibly holds is a typo. */
export const MAX_THRESHOLD_PAISE = 100_000_000;

export const thresholdSchema = z.object({
  threshold_paise: z
    .number({ error: "threshold_paise must be a whole number of paise" })
    .int("threshold_paise must be a whole number of paise")
    .min(0, "The threshold cannot be negative")
    .max(MAX_THRESHOLD_PAISE, "The threshold can be at most ₹10,00,000.00"),
});

/**
 * Sets the threshold. Runs as the tenant: the organizations_update policy (owner/admin) and the
 * column grant are the enforcement; the route checks the role too, to answer 403 plainly.
 */
export async function setLowBalanceThreshold(db: Db, orgId: string, thresholdPaise: number): Promise<{ threshold_paise: number }> {
  const { threshold_paise } = thresholdSchema.parse({ threshold_paise: thresholdPaise });
  const { rows } = await db.query<{ low_balance_threshold_paise: number }>(
    "update public.organizations set low_balance_threshold_paise = $2 where id = $1 returning low_balance_threshold_paise",
    [orgId, threshold_paise],
  );
  if (!rows[0]) throw new ApiError(403, "forbidden", "Only owners and admins can change the low-balance alert.");
  return { threshold_paise: rows[0].low_balance_threshold_paise };
}

export interface LowBalanceNotice {
  id: number;
  balance_paise: number;
  threshold_paise: number;
  level: BalanceLevel;
  created_at: string;
}

/**
 * The notice to show an admin: the latest unread low-balance notification, while the balance is
 * still under the threshold (a recharge clears it without anyone dismissing it).
 */
export async function currentLowBalanceNotice(db: Db, orgId: string): Promise<LowBalanceNotice | null> {
  const { rows } = await db.query<{ id: number; created_at: Date; balance_paise: number; threshold_paise: number }>(
    `select n.id, n.created_at, w.balance_paise, o.low_balance_threshold_paise as threshold_paise
     from public.notifications n
     join public.wallets w on w.org_id = n.org_id
     join public.organizations o on o.id = n.org_id
     where n.org_id = $1 and n.kind = 'low_balance' and n.read_at is null
     order by n.id desc limit 1`,
    [orgId],
  );
  const r = rows[0];
  if (!r || r.balance_paise >= r.threshold_paise) return null;
  return {
    id: r.id,
    balance_paise: r.balance_paise,
    threshold_paise: r.threshold_paise,
    level: balanceLevel(r.balance_paise, r.threshold_paise),
    created_at: r.created_at.toISOString(),
  };
}

/** Dismisses a notice (as the tenant: RLS and the read_at column grant decide). */
export async function dismissNotice(db: Db, orgId: string, id: number): Promise<boolean> {
  const { rowCount } = await db.query(
    "update public.notifications set read_at = now() where id = $1 and org_id = $2 and read_at is null",
    [id, orgId],
  );
  return (rowCount ?? 0) > 0;
}
