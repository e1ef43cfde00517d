import { isAuthApiError, isAuthError, type User } from "@supabase/supabase-js";
import { z } from "zod";
import { withService } from "../db/tx";
import { ApiError } from "../http/errors";
import { verifyPassword } from "./password";
import { clearEmailAttempts, consumeLoginAttempt } from "./rate-limit";
import {
  expireCookieHeader,
  NO_STORE_HEADERS,
  ORG_COOKIE,
  SESSION_COOKIE,
  setCookieHeader,
  signSession,
  type CookieWrites,
} from "./session";
import { supabaseForRequest, supabaseMode } from "./supabase";
import { createUser, findUserByEmail } from "./users";

// Sign-up, sign-in and sign-out for both auth modes: the built-in one (auth.users in our own
// database, argon2 passwords, an HS256 session JWT) and Supabase Auth. Route handlers parse
// with the schemas below and call these; each returns the cookies the response must set.

const emailField = z
  .string({ error: "Enter your email address" })
  .trim()
  .toLowerCase()
  .min(1, "Enter your email address")
  .max(254, "Email address is too long")
  .pipe(z.email({ error: "Enter a valid email address, like name@company.com" }));

export const signupSchema = z.object({
  email: emailField,
  password: z
    .string({ error: "Choose a password" })
    .min(8, "Password must be at least 8 characters")
    .max(128, "Password must be at most 128 characters"),
  fullName: z
    .string({ error: "Full name must be text" })
    .trim()
    .max(120, "Full name must be at most 120 characters")
    .optional()
    .transform((v) => (v ? v : undefined)),
});
export type SignupInput = z.infer<typeof signupSchema>;

export const loginSchema = z.object({
  email: emailField,
  password: z
    .string({ error: "Enter your password" })
    .min(1, "Enter your password")
    .max(128, "Password must be at most 128 characters"),
});
export type LoginInput = z.infer<typeof loginSchema>;

export interface AuthUser {
  id: string;
  email: string;
}

export interface AuthOutcome {
  /** Null when Supabase wants the address confirmed first (no session yet). */
  user: AuthUser | null;
  needsEmailConfirmation: boolean;
  cookies: CookieWrites;
}

const EMAIL_TAKEN_MESSAGE = "An account with this email already exists. Sign in instead.";

function emailTaken(): ApiError {
  return new ApiError(409, "email_taken", EMAIL_TAKEN_MESSAGE, { fields: [{ path: "email", message: EMAIL_TAKEN_MESSAGE }] });
}

function invalidCredentials(): ApiError {
  const message = "Email or password is incorrect.";
  return new ApiError(401, "invalid_credentials", message, { fields: [{ path: "password", message }] });
}

async function builtInSession(user: AuthUser): Promise<CookieWrites> {
  return { setCookies: [setCookieHeader(SESSION_COOKIE, await signSession(user))], headers: { ...NO_STORE_HEADERS } };
}

/** Creates an account and signs it in. Duplicate email: 409, nothing written. */
export async function signUp(req: Request, input: SignupInput): Promise<AuthOutcome> {
  if (supabaseMode()) return supabaseSignUp(req, input);
  let user: AuthUser;
  try {
    user = await withService((db) => createUser(db, input));
  } catch (err) {
    // The unique index on auth.users.email decides races between two sign-ups for one address.
    if ((err as { code?: string }).code === "23505") throw emailTaken();
    throw err;
  }
  return { user, needsEmailConfirmation: false, cookies: await builtInSession(user) };
}

/**
 * Checks the password, throttled per email and per IP (lib/auth/rate-limit.ts): 429 with
 * retry_after_seconds once a limit is reached, whatever the password.
 */
export async function logIn(req: Request, input: LoginInput, ip: string | null): Promise<AuthOutcome> {
  const verdict = await withService((db) => consumeLoginAttempt(db, { email: input.email, ip }));
  if (!verdict.allowed) {
    const minutes = Math.max(1, Math.ceil(verdict.retryAfterSeconds / 60));
    const who = verdict.scope === "email" ? "for this email address" : "from your network";
    throw new ApiError(
      429,
      "too_many_attempts",
      `Too many sign-in attempts ${who}. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`,
      { retry_after_seconds: verdict.retryAfterSeconds },
    );
  }
  if (supabaseMode()) return supabaseLogIn(req, input);
  const found = await withService((db) => findUserByEmail(db, input.email));
  if (!(await verifyPassword(found?.encrypted_password, input.password)) || !found) throw invalidCredentials();
  await withService(async (db) => {
    await clearEmailAttempts(db, input.email);
    await db.query("update auth.users set last_sign_in_at = now() where id = $1", [found.id]);
  });
  const user = { id: found.id, email: found.email };
  return { user, needsEmailConfirmation: false, cookies: await builtInSession(user) };
}

/** Ends the session (and forgets the chosen organization). Always succeeds for the browser. */
export async function logOut(req: Request): Promise<CookieWrites> {
  const writes: CookieWrites = { setCookies: [expireCookieHeader(ORG_COOKIE)], headers: { ...NO_STORE_HEADERS } };
  if (supabaseMode()) {
    const sb = supabaseForRequest(req);
    // scope "local": this browser's session only, not the user's other devices.
    await sb.client.auth.signOut({ scope: "local" }).catch(() => undefined);
    const out = sb.writes();
    writes.setCookies.push(...out.setCookies);
    Object.assign(writes.headers, out.headers);
  } else {
    writes.setCookies.push(expireCookieHeader(SESSION_COOKIE));
  }
  return writes;
}

// ---- Supabase Auth mode -------------------------------------------------------------------

/** Supabase Auth's errors, turned into answers a person can act on. */
function fromSupabaseError(err: unknown): ApiError {
  if (isAuthApiError(err)) {
    switch (err.code) {
      case "user_already_exists":
      case "email_exists":
        return emailTaken();
      case "invalid_credentials":
        return invalidCredentials();
      case "email_not_confirmed":
        return new ApiError(403, "email_not_confirmed", "Confirm your email address first: open the link we sent you.");
      case "weak_password":
        return new ApiError(400, "weak_password", err.message, { fields: [{ path: "password", message: err.message }] });
      case "email_address_invalid":
        return new ApiError(400, "invalid_request", err.message, { fields: [{ path: "email", message: err.message }] });
      case "over_request_rate_limit":
      case "over_email_send_rate_limit":
        return new ApiError(429, "too_many_attempts", "Too many requests to the sign-in service. Try again in a few minutes.", {
          retry_after_seconds: 60,
        });
      case "signup_disabled":
        return new ApiError(403, "signup_disabled", "New sign-ups are turned off for this platform.");
    }
    if (err.status >= 400 && err.status < 500) return new ApiError(400, "auth_rejected", err.message);
  }
  if (isAuthError(err)) return new ApiError(503, "auth_unavailable", "The sign-in service is not answering. Try again shortly.");
  return new ApiError(503, "auth_unavailable", "The sign-in service is not answering. Try again shortly.");
}

/** Supabase writes auth.users itself; our profile row rides along (idempotent). */
async function ensureProfile(user: User): Promise<AuthUser> {
  const email = (user.email ?? "").toLowerCase();
  const fullName = typeof user.user_metadata?.full_name === "string" ? user.user_metadata.full_name : null;
  await withService((db) =>
    db.query(
      `insert into public.profiles (user_id, email, full_name) values ($1, $2, $3)
       on conflict (user_id) do update set email = excluded.email`,
      [user.id, email, fullName],
    ),
  );
  return { id: user.id, email };
}

async function supabaseSignUp(req: Request, input: SignupInput): Promise<AuthOutcome> {
  const sb = supabaseForRequest(req);
  let result;
  try {
    result = await sb.client.auth.signUp({
      email: input.email,
      password: input.password,
      options: { data: input.fullName ? { full_name: input.fullName } : {} },
    });
  } catch (err) {
    throw fromSupabaseError(err);
  }
  const { data, error } = result;
  if (error) throw fromSupabaseError(error);
  if (!data.user) throw fromSupabaseError(null);
  // With email confirmations on, Supabase answers a taken address with a user that has no
  // identities (instead of an error, to hide who has an account); nothing was created.
  if (Array.isArray(data.user.identities) && data.user.identities.length === 0) throw emailTaken();
  const user = await ensureProfile(data.user);
  return { user: data.session ? user : null, needsEmailConfirmation: !data.session, cookies: withNoStore(sb.writes()) };
}

async function supabaseLogIn(req: Request, input: LoginInput): Promise<AuthOutcome> {
  const sb = supabaseForRequest(req);
  let result;
  try {
    result = await sb.client.auth.signInWithPassword({ email: input.email, password: input.password });
  } catch (err) {
    throw fromSupabaseError(err);
  }
  const { data, error } = result;
  if (error) throw fromSupabaseError(error);
  if (!data.user || !data.session) throw fromSupabaseError(null);
  await withService((db) => clearEmailAttempts(db, input.email));
  const user = await ensureProfile(data.user);
  return { user, needsEmailConfirmation: false, cookies: withNoStore(sb.writes()) };
}

function withNoStore(w: CookieWrites): CookieWrites {
  return { setCookies: w.setCookies, headers: { ...NO_STORE_HEADERS, ...w.headers } };
}
