import type { Db } from "../db/tx";
import { hashPassword } from "./password";

export interface NewUser {
  email: string;
  password: string;
  fullName?: string;
}

/** Creates a user in auth.users (built-in auth mode) with its profile. Emails are stored lower-case. */
export async function createUser(db: Db, user: NewUser): Promise<{ id: string; email: string }> {
  const email = user.email.trim().toLowerCase();
  const passwordHash = await hashPassword(user.password);
  const { rows } = await db.query<{ id: string }>(
    `insert into auth.users (email, encrypted_password, email_confirmed_at, raw_user_meta_data)
     values ($1, $2, now(), jsonb_build_object('full_name', $3::text)) returning id`,
    [email, passwordHash, user.fullName ?? null],
  );
  await db.query("insert into public.profiles (user_id, email, full_name) values ($1, $2, $3)", [
    rows[0].id,
    email,
    user.fullName ?? null,
  ]);
  return { id: rows[0].id, email };
}

export async function findUserByEmail(
  db: Db,
  email: string,
): Promise<{ id: string; email: string; encrypted_password: string | null } | null> {
  const { rows } = await db.query<{ id: string; email: string; encrypted_password: string | null }>(
    "select id, email, encrypted_password from auth.users where email = $1",
    [email.trim().toLowerCase()],
  );
  return rows[0] ?? null;
}
