import { createServerClient, parseCookieHeader, serializeCookieHeader, type CookieOptions } from "@supabase/ssr";
import type { SupabaseClient } from "@supabase/supabase-js";
import { env, supabaseAuthEnabled } from "../config/env";
import type { JwtClaims } from "../db/tx";
import { logger } from "../log";
import type { CookieWrites } from "./session";

/**
 * Supabase Auth mode: on when NEXT_PUBLIC_SUPABASE_URL and NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY
 * are both set. Users, passwords and sessions then live in Supabase Auth; the session is the
 * @supabase/ssr cookie (sb-<project>-auth-token), and its verified JWT claims become the tenant
 * context exactly as the built-in session's do, so RLS behaves the same in both modes.
 */
export function supabaseMode(): boolean {
  return supabaseAuthEnabled();
}

export function supabaseSettings(): { url: string; key: string } {
  const e = env();
  if (!e.NEXT_PUBLIC_SUPABASE_URL || !e.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY) {
    throw new Error("Supabase Auth is not configured (NEXT_PUBLIC_SUPABASE_URL / NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY)");
  }
  return { url: e.NEXT_PUBLIC_SUPABASE_URL, key: e.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY };
}

/**
 * Options every server-side client here shares. Realtime is never used on the server, but
 * supabase-js builds its client eagerly and, on Node 20 (no global WebSocket), throws unless a
 * transport is given; this stand-in only fails if something actually tries to open a socket.
 */
class NoServerRealtime {
  constructor() {
    throw new Error("Supabase Realtime is not used on the server");
  }
}
export const SERVER_CLIENT_OPTIONS = {
  realtime: { transport: NoServerRealtime as unknown as typeof WebSocket },
};

export interface RequestSupabase {
  client: SupabaseClient;
  /** What the client asked to write (session refresh, sign-in, sign-out), for the response. */
  writes(): CookieWrites;
}

/**
 * A Supabase server client for one request: it reads the session from the Request's cookies
 * and collects what setAll writes (cookies plus the no-cache headers @supabase/ssr passes),
 * so a route handler can put them on its Response. Never share one across requests.
 */
export function supabaseForRequest(req: Request): RequestSupabase {
  const { url, key } = supabaseSettings();
  const pending: Array<{ name: string; value: string; options: CookieOptions }> = [];
  const headers: Record<string, string> = {};
  const client = createServerClient(url, key, {
    ...SERVER_CLIENT_OPTIONS,
    cookies: {
      getAll: () => parseCookieHeader(req.headers.get("cookie") ?? "").map((c) => ({ name: c.name, value: c.value ?? "" })),
      setAll: (cookies, cacheHeaders) => {
        pending.push(...cookies);
        Object.assign(headers, cacheHeaders);
      },
    },
  });
  return {
    client,
    writes: () => ({
      setCookies: pending.map((c) => serializeCookieHeader(c.name, c.value, c.options)),
      headers: { ...headers },
    }),
  };
}

/**
 * The verified claims of the request's Supabase session, or null. getClaims() verifies the
 * access token's signature against the project's JWKS (or asks Auth's /user endpoint for
 * symmetric keys) and refuses expired tokens; when the access token has expired it first tries
 * the refresh token (the proxy does this before a page or API route runs, and forwards the new
 * cookies). Any failure, including Supabase being unreachable, refuses the session.
 */
export async function supabaseClaims(req: Request): Promise<JwtClaims | null> {
  try {
    const { client } = supabaseForRequest(req);
    const { data, error } = await client.auth.getClaims();
    if (error || !data) return null;
    return toJwtClaims(data.claims as Record<string, unknown>);
  } catch (err) {
    logger.warn({ err: (err as Error).message }, "supabase session check failed");
    return null;
  }
}

/** Keeps Supabase's claims whole (RLS may read any of them) once sub and role are as expected. */
export function toJwtClaims(claims: Record<string, unknown>): JwtClaims | null {
  if (typeof claims.sub !== "string" || !claims.sub || claims.role !== "authenticated") return null;
  return { ...claims, sub: claims.sub, role: "authenticated", email: typeof claims.email === "string" ? claims.email : undefined };
}
