import type { Db } from "../db/tx";

/**
 * Login throttling, per email address and per client IP, stored in Postgres
 * (private.login_throttle) so the limit holds however many app instances run.
 *
 * Why our own table rather than rate-limiter-flexible's Postgres store: that store creates its
 * table at run time (outside our migrations, and with its own grants), and needs one round trip
 * per key. Here one INSERT ... ON CONFLICT DO UPDATE consumes an attempt for both keys
 * atomically — the row lock serialises concurrent attempts, so 100 parallel guesses can never
 * slip past a limit of 10 — and the table is an ordinary migrated table with RLS on.
 *
 * Every attempt is counted before the password is checked (a failed check cannot be "in flight"
 * past the limit). A successful login clears the email's counter, not the IP's: one valid
 * account must not let an address reset its budget for guessing other accounts.
 */
export interface LoginLimits {
  windowSeconds: number;
  perEmail: number;
  perIp: number;
}

export const LOGIN_LIMITS: LoginLimits = { windowSeconds: 15 * 60, perEmail: 10, perIp: 50 };

export type ThrottleResult =
  | { allowed: true }
  | { allowed: false; scope: "email" | "ip"; retryAfterSeconds: number };

export function emailKey(email: string): string {
  return `email:${email.trim().toLowerCase()}`;
}

export function ipKey(ip: string): string {
  return `ip:${ip}`;
}

/** Counts one login attempt against the email and the IP; says whether it may go ahead. */
export async function consumeLoginAttempt(
  db: Db,
  args: { email: string; ip: string | null },
  limits: LoginLimits = LOGIN_LIMITS,
): Promise<ThrottleResult> {
  const keys = [emailKey(args.email), ...(args.ip ? [ipKey(args.ip)] : [])];
  // A window that has expired restarts at 1; otherwise the count goes up. The window start is
  // returned so the caller can say when the next attempt is allowed.
  const { rows } = await db.query<{ key: string; attempts: number; retry_after: number }>(
    `insert into private.login_throttle as t (key, window_start, attempts)
       select k, now(), 1 from unnest($1::text[]) as k
     on conflict (key) do update set
       attempts = case when t.window_start <= now() - make_interval(secs => $2) then 1 else t.attempts + 1 end,
       window_start = case when t.window_start <= now() - make_interval(secs => $2) then now() else t.window_start end
     returning key, attempts,
       greatest(1, ceil(extract(epoch from (window_start + make_interval(secs => $2) - now()))))::int as retry_after`,
    [keys, limits.windowSeconds],
  );
  for (const row of rows) {
    const isEmail = row.key.startsWith("email:");
    const limit = isEmail ? limits.perEmail : limits.perIp;
    if (row.attempts > limit) {
      return { allowed: false, scope: isEmail ? "email" : "ip", retryAfterSeconds: row.retry_after };
    }
  }
  return { allowed: true };
}

/** After a successful login: the email's failed attempts no longer count. */
export async function clearEmailAttempts(db: Db, email: string): Promise<void> {
  await db.query("delete from private.login_throttle where key = $1", [emailKey(email)]);
}

/** Removes expired windows (run periodically by the worker); returns how many rows went. */
export async function sweepLoginThrottle(db: Db, limits: LoginLimits = LOGIN_LIMITS): Promise<number> {
  const { rowCount } = await db.query(
    "delete from private.login_throttle where window_start <= now() - make_interval(secs => $1)",
    [limits.windowSeconds],
  );
  return rowCount ?? 0;
}

/**
 * The client's IP as the nearest proxy reports it: the last X-Forwarded-For entry (Next.js sets
 * the header to the socket address when no proxy did; a proxy such as nginx appends the address
 * it saw, so the last entry is the one a client cannot forge). Falls back to X-Real-IP.
 */
export function clientIp(headers: Headers): string | null {
  const xff = headers.get("x-forwarded-for");
  if (xff) {
    const parts = xff.split(",").map((p) => p.trim()).filter(Boolean);
    if (parts.length) return parts[parts.length - 1].slice(0, 100);
  }
  const real = headers.get("x-real-ip")?.trim();
  return real ? real.slice(0, 100) : null;
}
