import { randomUUID } from "node:crypto";
import { withService, withTenant, type Db, type JwtClaims } from "../../lib/db/tx";

/** A user row in auth.users (no password: tests that log in set one through the auth service). */
export async function makeUser(email = `user-${randomUUID()}@example.test`): Promise<{ id: string; email: string }> {
  return withService(async (db) => {
    const { rows } = await db.query<{ id: string }>(
      "insert into auth.users (email) values ($1) returning id",
      [email],
    );
    await db.query("insert into public.profiles (user_id, email) values ($1, $2)", [rows[0].id, email]);
    return { id: rows[0].id, email };
  });
}

/** An organization with its owner; its wallet is created by trigger. */
export async function makeOrg(opts: { name?: string; role?: "owner" | "admin" | "agent"; feePaise?: number } = {}) {
  const user = await makeUser();
  const orgId = await withService(async (db) => {
    const { rows } = await db.query<{ id: string }>(
      "insert into public.organizations (name, service_fee_paise, created_by) values ($1, $2, $3) returning id",
      [opts.name ?? `Org ${randomUUID().slice(0, 8)}`, opts.feePaise ?? 20, user.id],
    );
    await db.query("insert into public.memberships (org_id, user_id, role) values ($1, $2, $3)", [
      rows[0].id,
      user.id,
      opts.role ?? "owner",
    ]);
    return rows[0].id;
  });
  const claims: JwtClaims = { sub: user.id, role: "authenticated", email: user.email };
  return { orgId, user, claims, asUser: <T>(fn: (db: Db) => Promise<T>) => withTenant(claims, fn) };
}

/** A signed-in platform operator's session cookie. */
export async function makeOperatorCookie(): Promise<string> {
  const { signSession } = await import("../../lib/auth/session");
  const op = await makeUser();
  await withService((db) => db.query("insert into public.platform_admins (user_id) values ($1)", [op.id]));
  return `wa_session=${await signSession(op)}`;
}
