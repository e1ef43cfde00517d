import { randomUUID } from "node:crypto";
import { exportJWK, generateKeyPair, jwtVerify, SignJWT, type CryptoKey, type JWK } from "jose";
import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as loginRoute from "@/app/api/auth/login/route";
import * as logoutRoute from "@/app/api/auth/logout/route";
import * as sessionRoute from "@/app/api/auth/session/route";
import * as signupRoute from "@/app/api/auth/signup/route";
import * as orgsRoute from "@/app/api/orgs/route";
import { resolveCaller } from "@/lib/auth/caller";
import { resetEnvCache } from "@/lib/config/env";
import { closePools } from "@/lib/db/pool";
import { withService, withTenant } from "@/lib/db/tx";
import { getOrgOverview } from "@/lib/orgs/overview";
import { proxy } from "@/proxy";
import { CookieJar } from "../helpers/cookie-jar";
import { serveRoutes } from "../helpers/serve-routes";

// Supabase Auth mode, tested at the HTTP boundary: msw answers as Supabase Auth's endpoints do
// (shapes from @supabase/auth-js: /token?grant_type=password|refresh_token, /signup, /user,
// /logout, /.well-known/jwks.json), with ES256 access tokens signed here. Like the real GoTrue,
// the fake writes auth.users in the same database, so memberships and RLS work as on Supabase.

const SUPABASE_URL = "https://testproj.supabase.co";
const AUTH = `${SUPABASE_URL}/auth/v1`;
const COOKIE = "sb-testproj-auth-token";
const API_VERSION = { "x-supabase-api-version": "2024-01-01" };

let signingKey: CryptoKey;
let publicJwk: JWK;
const kid = randomUUID();
const passwords = new Map<string, { id: string; password: string; fullName?: string }>();
const refreshTokens = new Map<string, string>(); // refresh token → user id
const calls: string[] = [];

async function accessToken(user: { id: string; email: string }, opts: { expiresIn?: number; key?: CryptoKey; kid?: string } = {}) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    aud: "authenticated",
    email: user.email,
    phone: "",
    app_metadata: { provider: "email", providers: ["email"] },
    user_metadata: {},
    role: "authenticated",
    aal: "aal1",
    amr: [{ method: "password", timestamp: now }],
    session_id: randomUUID(),
    is_anonymous: false,
  })
    .setProtectedHeader({ alg: "ES256", kid: opts.kid ?? kid, typ: "JWT" })
    .setIssuer(AUTH)
    .setSubject(user.id)
    .setIssuedAt(now)
    .setExpirationTime(now + (opts.expiresIn ?? 3600))
    .sign(opts.key ?? signingKey);
}

function userJson(id: string, email: string, fullName?: string) {
  const at = new Date().toISOString();
  return {
    id,
    aud: "authenticated",
    role: "authenticated",
    email,
    email_confirmed_at: at,
    phone: "",
    app_metadata: { provider: "email", providers: ["email"] },
    user_metadata: fullName ? { full_name: fullName } : {},
    identities: [{ id, user_id: id, provider: "email", identity_data: { email, sub: id } }],
    created_at: at,
    updated_at: at,
    is_anonymous: false,
  };
}

async function sessionJson(id: string, email: string, fullName?: string, expiresIn = 3600) {
  const refresh = randomUUID();
  refreshTokens.set(refresh, id);
  return {
    access_token: await accessToken({ id, email }, { expiresIn }),
    token_type: "bearer",
    expires_in: expiresIn,
    expires_at: Math.floor(Date.now() / 1000) + expiresIn,
    refresh_token: refresh,
    user: userJson(id, email, fullName),
  };
}

const authError = (status: number, code: string, message: string) =>
  HttpResponse.json({ code, message }, { status, headers: API_VERSION });

const mock = setupServer(
  http.get(`${AUTH}/.well-known/jwks.json`, () => {
    calls.push("jwks");
    return HttpResponse.json({ keys: [publicJwk] });
  }),
  http.post(`${AUTH}/signup`, async ({ request }) => {
    calls.push("signup");
    const body = (await request.json()) as { email: string; password: string; data?: { full_name?: string } };
    if (passwords.has(body.email)) return authError(422, "user_already_exists", "User already registered");
    const id = await withService(async (db) => {
      const { rows } = await db.query<{ id: string }>(
        "insert into auth.users (email, email_confirmed_at, raw_user_meta_data) values ($1, now(), $2) returning id",
        [body.email, JSON.stringify(body.data ?? {})],
      );
      return rows[0].id;
    });
    passwords.set(body.email, { id, password: body.password, fullName: body.data?.full_name });
    return HttpResponse.json(await sessionJson(id, body.email, body.data?.full_name), { headers: API_VERSION });
  }),
  http.post(`${AUTH}/token`, async ({ request }) => {
    const grant = new URL(request.url).searchParams.get("grant_type");
    calls.push(`token:${grant}`);
    const body = (await request.json()) as { email?: string; password?: string; refresh_token?: string };
    if (grant === "password") {
      const u = passwords.get(body.email ?? "");
      if (!u || u.password !== body.password) return authError(400, "invalid_credentials", "Invalid login credentials");
      return HttpResponse.json(await sessionJson(u.id, body.email!, u.fullName), { headers: API_VERSION });
    }
    if (grant === "refresh_token") {
      const id = refreshTokens.get(body.refresh_token ?? "");
      if (!id) return authError(400, "refresh_token_not_found", "Invalid Refresh Token: Refresh Token Not Found");
      refreshTokens.delete(body.refresh_token!); // rotation: a refresh token works once
      const email = [...passwords].find(([, v]) => v.id === id)![0];
      return HttpResponse.json(await sessionJson(id, email), { headers: API_VERSION });
    }
    return authError(400, "validation_failed", "unsupported grant_type");
  }),
  http.get(`${AUTH}/user`, async ({ request }) => {
    calls.push("user");
    const token = request.headers.get("authorization")?.replace(/^Bearer /, "") ?? "";
    try {
      const { payload } = await jwtVerify(token, signingKey, { audience: "authenticated" });
      const email = payload.email as string;
      return HttpResponse.json(userJson(payload.sub!, email), { headers: API_VERSION });
    } catch {
      return authError(403, "bad_jwt", "invalid JWT: unable to parse or verify signature");
    }
  }),
  http.post(`${AUTH}/logout`, () => {
    calls.push("logout");
    return new HttpResponse(null, { status: 204 });
  }),
);

let server: { url: string; close(): Promise<void> };
const saved = { url: process.env.NEXT_PUBLIC_SUPABASE_URL, key: process.env.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY };

beforeAll(async () => {
  const pair = await generateKeyPair("ES256", { extractable: true });
  signingKey = pair.privateKey;
  publicJwk = { ...(await exportJWK(pair.publicKey)), kid, alg: "ES256", use: "sig", key_ops: ["verify"] };
  process.env.NEXT_PUBLIC_SUPABASE_URL = SUPABASE_URL;
  process.env.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY = "sb_publishable_test_key";
  resetEnvCache();
  // Only Supabase's host is faked; requests to our own route server go through untouched.
  mock.listen({
    onUnhandledRequest: (req, print) => {
      if (new URL(req.url).hostname.endsWith("supabase.co")) print.error();
    },
  });
  server = await serveRoutes({
    "/api/auth/signup": signupRoute,
    "/api/auth/login": loginRoute,
    "/api/auth/logout": logoutRoute,
    "/api/auth/session": sessionRoute,
    "/api/orgs": orgsRoute,
  });
});

afterAll(async () => {
  mock.close();
  await server.close();
  process.env.NEXT_PUBLIC_SUPABASE_URL = saved.url;
  process.env.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY = saved.key;
  if (saved.url === undefined) delete process.env.NEXT_PUBLIC_SUPABASE_URL;
  if (saved.key === undefined) delete process.env.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY;
  resetEnvCache();
  await closePools();
});

async function post(path: string, body: unknown, jar: CookieJar) {
  const res = await fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", cookie: jar.header() },
    body: JSON.stringify(body),
  });
  const cookies = jar.store(res);
  return { res, status: res.status, json: await res.json(), cookies };
}

const sessionStatus = async (cookie: string) =>
  (await fetch(`${server.url}/api/auth/session`, { headers: { cookie } })).status;

/** The @supabase/ssr session cookie: "base64-" + base64url(JSON session). */
const encodeSession = (s: object) => `base64-${Buffer.from(JSON.stringify(s)).toString("base64url")}`;
const decodeSession = (v: string) => JSON.parse(Buffer.from(v.slice("base64-".length), "base64url").toString());

async function signUp(email = `sb-${randomUUID().slice(0, 8)}@example.test`) {
  const jar = new CookieJar();
  const r = await post("/api/auth/signup", { email, password: "supabase-pass-1", fullName: "Supa User" }, jar);
  expect(r.status).toBe(201);
  return { jar, email, id: r.json.user.id as string };
}

describe("Supabase Auth mode", () => {
  it("signs up through Supabase, stores the session cookie, and the verified claims reach resolveCaller and RLS", async () => {
    const before = calls.length;
    const u = await signUp();
    expect(calls.slice(before)).toContain("signup");
    expect(u.jar.get(COOKIE)).toMatch(/^base64-/);
    expect(u.jar.get("wa_session")).toBeUndefined();
    const profile = await withService(async (db) => (await db.query("select email, full_name from public.profiles where user_id = $1", [u.id])).rows[0]);
    expect(profile).toEqual({ email: u.email, full_name: "Supa User" });

    const org = await post("/api/orgs", { name: "Supa Org" }, u.jar);
    expect(org.status).toBe(201);

    const caller = await resolveCaller(new Request("http://app.test/", { headers: { cookie: u.jar.header() } }));
    expect(caller?.kind).toBe("user");
    if (caller?.kind !== "user") throw new Error("expected a user");
    expect(caller.userId).toBe(u.id);
    expect(caller.orgId).toBe(org.json.organization.id);
    expect(caller.role).toBe("owner");
    // Supabase's own claims are kept whole: they are what RLS reads through auth.jwt().
    expect(caller.claims).toMatchObject({ sub: u.id, email: u.email, role: "authenticated", aud: "authenticated", aal: "aal1", iss: AUTH });
    expect(typeof caller.claims.session_id).toBe("string");
    const overview = await withTenant(caller.claims, (db) => getOrgOverview(db, caller.orgId!));
    expect(overview).toMatchObject({ name: "Supa Org", balancePaise: 0 });
    expect(calls).toContain("jwks"); // verified against the project's signing keys, locally
  });

  it("signs in with signInWithPassword, refuses a wrong password, and signs out", async () => {
    const u = await signUp();
    const jar = new CookieJar();
    const wrong = await post("/api/auth/login", { email: u.email, password: "not-it-at-all" }, jar);
    expect(wrong.status).toBe(401);
    expect(wrong.json.error.code).toBe("invalid_credentials");
    expect(jar.get(COOKIE)).toBeUndefined();

    const ok = await post("/api/auth/login", { email: u.email, password: "supabase-pass-1" }, jar);
    expect(ok.status).toBe(200);
    expect(ok.json.user).toEqual({ id: u.id, email: u.email });
    expect(ok.res.headers.get("cache-control")).toContain("no-store");
    expect(await sessionStatus(jar.header())).toBe(200);

    const before = calls.length;
    const out = await post("/api/auth/logout", {}, jar);
    expect(out.status).toBe(200);
    expect(calls.slice(before)).toContain("logout");
    expect(out.cookies.find((c) => c.name === COOKIE)?.maxAge).toBe(0);
    expect(jar.get(COOKIE)).toBeUndefined();
    expect(await sessionStatus(jar.header())).toBe(401);
  });

  it("answers a taken email with 409", async () => {
    const u = await signUp();
    const r = await post("/api/auth/signup", { email: u.email, password: "another-pass-1" }, new CookieJar());
    expect(r.status).toBe(409);
    expect(r.json.error.fields[0]).toEqual({ path: "email", message: "An account with this email already exists. Sign in instead." });
  });

  it("refuses a token signed with another key, an unknown key, and an expired session that cannot be refreshed", async () => {
    const u = await signUp();
    const session = decodeSession(u.jar.get(COOKIE)!);
    expect(await sessionStatus(`${COOKIE}=${encodeSession(session)}`)).toBe(200);

    const otherKey = (await generateKeyPair("ES256")).privateKey;
    const forged = { ...session, access_token: await accessToken({ id: u.id, email: u.email }, { key: otherKey }) };
    expect(await sessionStatus(`${COOKIE}=${encodeSession(forged)}`)).toBe(401);

    // Unknown kid: auth-js falls back to asking Supabase's /user, which refuses it.
    const before = calls.length;
    const unknownKid = { ...session, access_token: await accessToken({ id: u.id, email: u.email }, { key: otherKey, kid: randomUUID() }) };
    expect(await sessionStatus(`${COOKIE}=${encodeSession(unknownKid)}`)).toBe(401);
    expect(calls.slice(before)).toContain("user");

    const expired = {
      ...session,
      access_token: await accessToken({ id: u.id, email: u.email }, { expiresIn: -120 }),
      expires_at: Math.floor(Date.now() / 1000) - 120,
      refresh_token: "revoked-refresh-token",
    };
    expect(await sessionStatus(`${COOKIE}=${encodeSession(expired)}`)).toBe(401);

    expect(await sessionStatus(`${COOKIE}=not-a-session`)).toBe(401);
  });

  it("the proxy refreshes an expired session, forwards the new cookies, and redirects when it cannot", async () => {
    const u = await signUp();
    const session = decodeSession(u.jar.get(COOKIE)!);
    const expired = {
      ...session,
      access_token: await accessToken({ id: u.id, email: u.email }, { expiresIn: -120 }),
      expires_at: Math.floor(Date.now() / 1000) - 120,
    };
    const req = new NextRequest("http://app.test/dashboard", { headers: { cookie: `${COOKIE}=${encodeSession(expired)}` } });
    const res = await proxy(req);
    expect(res.status).toBe(200); // passed through, not redirected
    expect(res.headers.get("cache-control")).toContain("no-store");
    const refreshed = res.cookies.get(COOKIE)?.value;
    expect(refreshed).toBeTruthy();
    const fresh = decodeSession(refreshed!);
    expect(fresh.refresh_token).not.toBe(session.refresh_token);
    expect(fresh.expires_at).toBeGreaterThan(Date.now() / 1000);
    // The page behind the proxy sees the refreshed cookie, and it is a valid session.
    expect(res.headers.get("x-middleware-request-cookie") ?? res.headers.get("x-middleware-override-headers")).toBeTruthy();
    expect(await sessionStatus(`${COOKIE}=${refreshed}`)).toBe(200);

    // Same expired session again: its refresh token was rotated away, so it goes to /login.
    const again = await proxy(new NextRequest("http://app.test/wallet?tab=1", { headers: { cookie: `${COOKIE}=${encodeSession(expired)}` } }));
    expect(again.status).toBe(307);
    expect(again.headers.get("location")).toBe("http://app.test/login?next=%2Fwallet%3Ftab%3D1");

    // API routes are never redirected by the proxy (they answer 401 themselves).
    const api = await proxy(new NextRequest("http://app.test/api/auth/session", { headers: { cookie: `${COOKIE}=${encodeSession(expired)}` } }));
    expect(api.status).toBe(200);
    expect(api.headers.get("location")).toBeNull();
  });
});
