import type { Db } from "../db/tx";
import type { Organization } from "./organizations";

// Operator-side management of organizations (service role only: the CLI and the operator pages).
// Tenants never reach these; fee and status are the operator's (organizations_update policy grants
// tenants only name and threshold).

export interface OrganizationSummary extends Organization {
  balance_paise: number;
}

const SUMMARY_COLUMNS = `o.id, o.name, o.status, o.service_fee_paise, o.low_balance_threshold_paise, o.created_at,
  coalesce(w.balance_paise, 0) as balance_paise`;

export async function getOrganization(db: Db, orgId: string): Promise<OrganizationSummary | null> {
  const { rows } = await db.query<OrganizationSummary>(
    `select ${SUMMARY_COLUMNS} from public.organizations o left join public.wallets w on w.org_id = o.id where o.id = $1`,
    [orgId],
  );
  return rows[0] ?? null;
}

/** Every organization with its wallet balance, oldest first. */
export async function listOrganizations(db: Db): Promise<OrganizationSummary[]> {
  const { rows } = await db.query<OrganizationSummary>(
    `select ${SUMMARY_COLUMNS} from public.organizations o left join public.wallets w on w.org_id = o.id
     order by o.created_at, o.id`,
  );
  return rows;
}

/** Sets the per-message service fee; returns the previous fee, or null when the organization is unknown. */
export async function setServiceFee(db: Db, orgId: string, feePaise: number): Promise<{ previous: number } | null> {
  if (!Number.isSafeInteger(feePaise) || feePaise < 0) throw new Error("fee must be a non-negative integer of paise");
  const { rows } = await db.query<{ previous: number }>(
    `update public.organizations o set service_fee_paise = $2
     from (select id, service_fee_paise as previous from public.organizations where id = $1 for update) old
     where o.id = old.id returning old.previous`,
    [orgId, feePaise],
  );
  return rows[0] ?? null;
}

/** Suspends or reactivates an organization; returns the previous status, or null when it is unknown. */
export async function setOrganizationStatus(
  db: Db,
  orgId: string,
  status: Organization["status"],
): Promise<{ previous: Organization["status"] } | null> {
  const { rows } = await db.query<{ previous: Organization["status"] }>(
    `update public.organizations o set status = $2
     from (select id, status as previous from public.organizations where id = $1 for update) old
     where o.id = old.id returning old.previous`,
    [orgId, status],
  );
  return rows[0] ?? null;
}

/** Makes a user a platform operator; false when they were one already. */
export async function grantOperator(db: Db, userId: string): Promise<boolean> {
  const r = await db.query("insert into public.platform_admins (user_id) values ($1) on conflict do nothing", [userId]);
  return (r.rowCount ?? 0) > 0;
}
