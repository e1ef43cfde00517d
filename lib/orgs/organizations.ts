import { z } from "zod";
import type { Db } from "../db/tx";

export const organizationNameSchema = z
  .string()
  .trim()
  .min(2, "Organization name must be at least 2 characters")
  .max(120, "Organization name must be at most 120 characters");

export type Role = "owner" | "admin" | "agent";
export const roleSchema = z.enum(["owner", "admin", "agent"]);

export interface Organization {
  id: string;
  name: string;
  status: "active" | "suspended";
  service_fee_paise: number;
  low_balance_threshold_paise: number;
  created_at: Date;
}

/** Creates an organization with its owner (system path: service role). The wallet is made by trigger. */
export async function createOrganization(db: Db, args: { name: string; ownerUserId: string }): Promise<Organization> {
  const name = organizationNameSchema.parse(args.name);
  const { rows } = await db.query<Organization>(
    `insert into public.organizations (name, created_by) values ($1, $2)
     returning id, name, status, service_fee_paise, low_balance_threshold_paise, created_at`,
    [name, args.ownerUserId],
  );
  await addMember(db, { orgId: rows[0].id, userId: args.ownerUserId, role: "owner" });
  return rows[0];
}

/** Adds (or changes the role of) a member. */
export async function addMember(db: Db, args: { orgId: string; userId: string; role: Role }): Promise<void> {
  await db.query(
    `insert into public.memberships (org_id, user_id, role) values ($1, $2, $3)
     on conflict (org_id, user_id) do update set role = excluded.role`,
    [args.orgId, args.userId, roleSchema.parse(args.role)],
  );
}

/** The organizations a user belongs to, oldest first (works as tenant or service). */
export async function listMemberships(
  db: Db,
  userId: string,
): Promise<Array<{ org_id: string; name: string; role: Role; status: string }>> {
  const { rows } = await db.query<{ org_id: string; name: string; role: Role; status: string }>(
    `select m.org_id, o.name, m.role, o.status from public.memberships m
     join public.organizations o on o.id = m.org_id
     where m.user_id = $1 order by m.created_at, o.name`,
    [userId],
  );
  return rows;
}

/** Renames an organization (owners and admins; the route checks the role). */
export async function renameOrganization(db: Db, orgId: string, name: string): Promise<void> {
  await db.query("update public.organizations set name = $2 where id = $1", [orgId, organizationNameSchema.parse(name)]);
}
