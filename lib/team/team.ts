import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import type { Db } from "../db/tx";
import { ApiError } from "../http/errors";
import { addMember, roleSchema, type Role } from "../orgs/organizations";
import { createUser, findUserByEmail } from "../auth/users";

export const inviteSchema = z.object({
  email: z.string().trim().toLowerCase().email("Enter a valid email address").max(254),
  role: roleSchema,
});

export interface Member {
  user_id: string;
  email: string;
  full_name: string | null;
  role: Role;
  created_at: Date;
}

export async function listMembers(db: Db, orgId: string): Promise<Member[]> {
  const { rows } = await db.query<Member>(
    `select m.user_id, p.email, p.full_name, m.role, m.created_at
     from public.memberships m join public.profiles p on p.user_id = m.user_id
     where m.org_id = $1 order by m.created_at`,
    [orgId],
  );
  return rows;
}

export interface PendingInvitation {
  id: string;
  email: string;
  role: Role;
  created_at: Date;
  expires_at: Date;
}

export async function listInvitations(db: Db, orgId: string): Promise<PendingInvitation[]> {
  const { rows } = await db.query<PendingInvitation>(
    `select id, email, role, created_at, expires_at from public.invitations
     where org_id = $1 and accepted_at is null and revoked_at is null and expires_at > now()
     order by created_at desc`,
    [orgId],
  );
  return rows;
}

function assertCanGrant(actorRole: Role, role: Role): void {
  if (actorRole === "agent") throw new ApiError(403, "forbidden", "Agents cannot manage the team.");
  if (role === "owner" && actorRole !== "owner") {
    throw new ApiError(403, "forbidden", "Only an owner can make someone an owner.");
  }
}

const hashToken = (t: string) => createHash("sha256").update(t).digest("hex");

/**
 * Invites an email. A person who already has an account is added at once; anyone else gets a
 * one-time invitation token (returned once, for the link) valid for 7 days.
 */
export async function inviteMember(
  db: Db,
  args: { orgId: string; email: string; role: Role; actorRole: Role; invitedBy: string },
): Promise<{ status: "added"; userId: string } | { status: "invited"; invitationId: string; token: string }> {
  const { email, role } = inviteSchema.parse({ email: args.email, role: args.role });
  assertCanGrant(args.actorRole, role);
  const existing = await findUserByEmail(db, email);
  if (existing) {
    const already = await db.query("select 1 from public.memberships where org_id = $1 and user_id = $2", [
      args.orgId,
      existing.id,
    ]);
    if (already.rowCount) throw new ApiError(409, "already_member", `${email} is already a member of this organization.`);
    await addMember(db, { orgId: args.orgId, userId: existing.id, role });
    return { status: "added", userId: existing.id };
  }
  const token = randomBytes(24).toString("base64url");
  const { rows } = await db.query<{ id: string }>(
    `insert into public.invitations (org_id, email, role, token_hash, invited_by) values ($1, $2, $3, $4, $5)
     on conflict (org_id, email) where accepted_at is null and revoked_at is null
     do update set role = excluded.role, token_hash = excluded.token_hash, expires_at = now() + interval '7 days'
     returning id`,
    [args.orgId, email, role, hashToken(token), args.invitedBy],
  );
  return { status: "invited", invitationId: rows[0].id, token };
}

export async function revokeInvitation(db: Db, args: { orgId: string; invitationId: string }): Promise<void> {
  const r = await db.query(
    "update public.invitations set revoked_at = now() where id = $1 and org_id = $2 and accepted_at is null and revoked_at is null",
    [args.invitationId, args.orgId],
  );
  if (!r.rowCount) throw new ApiError(404, "not_found", "No open invitation with that id.");
}

export const acceptSchema = z.object({
  token: z.string().min(10).max(100),
  password: z.string().min(8, "Password must be at least 8 characters").max(128, "Password must be at most 128 characters"),
  full_name: z.string().trim().max(120).optional(),
});

/** Accepts an invitation: creates the account and the membership, once. */
export async function acceptInvitation(
  db: Db,
  input: z.infer<typeof acceptSchema>,
): Promise<{ userId: string; email: string; orgId: string }> {
  const { token, password, full_name } = acceptSchema.parse(input);
  const { rows } = await db.query<{ id: string; org_id: string; email: string; role: Role }>(
    `update public.invitations set accepted_at = now()
     where token_hash = $1 and accepted_at is null and revoked_at is null and expires_at > now()
     returning id, org_id, email, role`,
    [hashToken(token)],
  );
  const inv = rows[0];
  if (!inv) throw new ApiError(404, "invitation_invalid", "This invitation link is invalid, used or expired. Ask for a new one.");
  const existing = await findUserByEmail(db, inv.email);
  if (existing) throw new ApiError(409, "account_exists", "An account with this email exists: sign in and ask to be added.");
  const user = await createUser(db, { email: inv.email, password, fullName: full_name });
  await addMember(db, { orgId: inv.org_id, userId: user.id, role: inv.role });
  return { userId: user.id, email: user.email, orgId: inv.org_id };
}

async function ownerCount(db: Db, orgId: string): Promise<number> {
  // Lock the org's owner rows so two concurrent demotions cannot both pass the check.
  const { rows } = await db.query<{ user_id: string }>(
    "select user_id from public.memberships where org_id = $1 and role = 'owner' for update",
    [orgId],
  );
  return rows.length;
}

export async function changeRole(
  db: Db,
  args: { orgId: string; userId: string; role: Role; actorRole: Role },
): Promise<void> {
  const role = roleSchema.parse(args.role);
  assertCanGrant(args.actorRole, role);
  const { rows } = await db.query<{ role: Role }>(
    "select role from public.memberships where org_id = $1 and user_id = $2 for update",
    [args.orgId, args.userId],
  );
  if (!rows[0]) throw new ApiError(404, "not_found", "No such member.");
  if (rows[0].role === "owner" && args.actorRole !== "owner") {
    throw new ApiError(403, "forbidden", "Only an owner can change an owner's role.");
  }
  if (rows[0].role === "owner" && role !== "owner" && (await ownerCount(db, args.orgId)) <= 1) {
    throw new ApiError(409, "last_owner", "An organization needs at least one owner. Make someone else owner first.");
  }
  await db.query("update public.memberships set role = $3 where org_id = $1 and user_id = $2", [args.orgId, args.userId, role]);
}

export async function removeMember(db: Db, args: { orgId: string; userId: string; actorRole: Role }): Promise<void> {
  if (args.actorRole === "agent") throw new ApiError(403, "forbidden", "Agents cannot manage the team.");
  const { rows } = await db.query<{ role: Role }>(
    "select role from public.memberships where org_id = $1 and user_id = $2 for update",
    [args.orgId, args.userId],
  );
  if (!rows[0]) throw new ApiError(404, "not_found", "No such member.");
  if (rows[0].role === "owner") {
    if (args.actorRole !== "owner") throw new ApiError(403, "forbidden", "Only an owner can remove an owner.");
    if ((await ownerCount(db, args.orgId)) <= 1) {
      throw new ApiError(409, "last_owner", "An organization needs at least one owner.");
    }
  }
  await db.query("delete from public.memberships where org_id = $1 and user_id = $2", [args.orgId, args.userId]);
}
