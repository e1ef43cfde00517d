import { stringifySetCookie } from "cookie";
import { jwtVerify, SignJWT } from "jose";
import type { JwtClaims } from "../db/tx";

/** Built-in auth (embedded default): an HS256 JWT in an httpOnly cookie, with Supabase's claim names. */
export const SESSION_COOKIE = "wa_session";
/** The organization the user is working in; always re-checked against memberships. */
export const ORG_COOKIE = "wa_org";
export const SESSION_TTL_SECONDS = 60 * 60 * 24 * 7;

function key(): Uint8Array {
  const secret = process.env.AUTH_SECRET;
  if (!secret || secret.length < 32) throw new Error("AUTH_SECRET must be set (at least 32 characters)");
  return new TextEncoder().encode(secret);
}

export async function signSession(user: { id: string; email: string }, ttlSeconds = SESSION_TTL_SECONDS): Promise<string> {
  return new SignJWT({ role: "authenticated", email: user.email, aud: "authenticated" })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(user.id)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(key());
}

/** Verifies a session token; null when missing, forged or expired. */
export async function verifySession(token: string | undefined | null): Promise<JwtClaims | null> {
  if (!token) return null;
  try {
    const { payload } = await jwtVerify(token, key(), { algorithms: ["HS256"], audience: "authenticated" });
    if (typeof payload.sub !== "string" || payload.role !== "authenticated") return null;
    return {
      sub: payload.sub,
      role: "authenticated",
      email: typeof payload.email === "string" ? payload.email : undefined,
      exp: payload.exp,
      aud: "authenticated",
    };
  } catch {
    return null;
  }
}

/** Reads one cookie from a Cookie header (route handlers get the raw Request). */
export function readCookie(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const i = part.indexOf("=");
    if (i < 0) continue;
    if (part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** How long the chosen organization is remembered (it is re-checked against memberships on every request). */
export const ORG_COOKIE_TTL_SECONDS = 60 * 60 * 24 * 365;

export function sessionCookieOptions(maxAge = SESSION_TTL_SECONDS) {
  return {
    httpOnly: true,
    secure: process.env.NODE_ENV === "production" && !(process.env.APP_URL ?? "").startsWith("http://localhost"),
    sameSite: "lax" as const,
    path: "/",
    maxAge,
  };
}

/** Cookies and headers a response must carry (route handlers build plain Responses, so no next/server here). */
export interface CookieWrites {
  /** Serialized Set-Cookie header values. */
  setCookies: string[];
  headers: Record<string, string>;
}

/** Auth responses carry a user's tokens: never let a CDN or proxy cache them. */
export const NO_STORE_HEADERS: Record<string, string> = {
  "Cache-Control": "private, no-cache, no-store, must-revalidate, max-age=0",
};

export function setCookieHeader(name: string, value: string, maxAge?: number): string {
  return stringifySetCookie(name, value, sessionCookieOptions(maxAge));
}

export function expireCookieHeader(name: string): string {
  return stringifySetCookie(name, "", { ...sessionCookieOptions(0), expires: new Date(0) });
}

/** Adds the cookies and headers to a response whose headers are still mutable (Response.json, new Response). */
export function applyCookieWrites<R extends Response>(res: R, writes: CookieWrites): R {
  for (const c of writes.setCookies) res.headers.append("Set-Cookie", c);
  for (const [k, v] of Object.entries(writes.headers)) res.headers.set(k, v);
  return res;
}
