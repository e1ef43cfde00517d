import { createUser, findUserByEmail } from "../../auth/users";
import type { Db } from "../../db/tx";
import { getOrganization, type OrgSummary } from "../../operator/operator";
import { CliError, usageError } from "../command";

/** The organization, or a failure the operator can act on. */
export async function requireOrganization(db: Db, orgId: string): Promise<OrgSummary> {
  const org = await getOrganization(db, orgId);
  if (!org) throw new CliError("org_not_found", `No organization with id ${orgId}. List them with: npm run platform -- orgs`);
  return org;
}

export interface ResolvedUser {
  id: string;
  email: string;
  /** True when this command created the user (with the given password). */
  created: boolean;
}

/**
 * Finds the user by email or creates them with the given password. An existing user keeps their
 * password: an operator command never changes someone's credentials behind their back.
 */
export async function findOrCreateUser(
  db: Db,
  email: string,
  password: string | undefined,
  passwordFlag: string,
): Promise<ResolvedUser> {
  const existing = await findUserByEmail(db, email);
  if (existing) return { id: existing.id, email: existing.email, created: false };
  if (!password) throw usageError(`${email} has no account yet: give ${passwordFlag} (at least 8 characters) to create it.`);
  const user = await createUser(db, { email, password });
  return { ...user, created: true };
}

/** The line that tells the operator what happened to the user's account. */
export function describeUser(user: ResolvedUser, passwordGiven: boolean): string {
  if (user.created) return `${user.email}: new user created with the given password.`;
  return `${user.email}: existing user; their password was not changed${passwordGiven ? " (the password given was ignored)" : ""}.`;
}

export function userJson(user: ResolvedUser) {
  return { id: user.id, email: user.email, created: user.created, password_set: user.created };
}
