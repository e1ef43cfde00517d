import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as loginRoute from "@/app/api/auth/login/route";
import * as logoutRoute from "@/app/api/auth/logout/route";
import * as sessionRoute from "@/app/api/auth/session/route";
import * as signupRoute from "@/app/api/auth/signup/route";
import * as orgsRoute from "@/app/api/orgs/route";
import * as switchRoute from "@/app/api/orgs/switch/route";
import { LOGIN_LIMITS } from "@/lib/auth/rate-limit";
import { signSession } from "@/lib/auth/session";
import { closePools } from "@/lib/db/pool";
import { withService, withTenant, type JwtClaims } from "@/lib/db/tx";
import { addMember } from "@/lib/orgs/organizations";
import { getOrgOverview, getSetupProgress } from "@/lib/orgs/overview";
import { credit } from "@/lib/wallet/wallet";
import { CookieJar } from "../helpers/cookie-jar";
import { serveRoutes } from "../helpers/serve-routes";

let server: { url: string; close(): Promise<void> };

beforeAll(async () => {
  server = await serveRoutes({
    "/api/auth/signup": signupRoute,
    "/api/auth/login": loginRoute,
    "/api/auth/logout": logoutRoute,
    "/api/auth/session": sessionRoute,
    "/api/orgs": orgsRoute,
    "/api/orgs/switch": switchRoute,
  });
});

afterAll(async () => {
  await server.close();
  await closePools();
});

// This file's accounts use their own domain so its "nothing written" counts ignore rows that
// other test files create in the same database at the same time.
const email = () => `person-${randomUUID().slice(0, 8)}@auth-routes.test`;
let ipCounter = 0;
const ip = () => {
  ipCounter += 1;
  return `203.0.${(process.pid % 200) + Math.floor(ipCounter / 250)}.${(ipCounter % 250) + 1}`;
};

async function post(path: string, body: unknown, opts: { jar?: CookieJar; ip?: string; raw?: string } = {}) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (opts.jar) headers.cookie = opts.jar.header();
  if (opts.ip) headers["x-forwarded-for"] = opts.ip;
  const res = await fetch(`${server.url}${path}`, {
    method: "POST",
    headers,
    body: opts.raw ?? JSON.stringify(body),
    redirect: "manual",
  });
  const cookies = opts.jar ? opts.jar.store(res) : [];
  const text = await res.text();
  return { res, status: res.status, json: text ? JSON.parse(text) : null, cookies };
}

async function get(path: string, jar: CookieJar) {
  const res = await fetch(`${server.url}${path}`, { headers: { cookie: jar.header() } });
  return { status: res.status, json: await res.json() };
}

async function counts() {
  return withService(async (db) => {
    const { rows } = await db.query<{ users: number; profiles: number; orgs: number; members: number }>(
      `with mine as (select id from auth.users where email not like '%@example.test')
       select (select count(*)::int from mine) as users,
              (select count(*)::int from public.profiles where user_id in (select id from mine)) as profiles,
              (select count(*)::int from public.organizations where created_by in (select id from mine)) as orgs,
              (select count(*)::int from public.memberships where user_id in (select id from mine)) as members`,
    );
    return rows[0];
  });
}

async function signUpUser(jar = new CookieJar(), e = email(), password = "correct horse battery") {
  const r = await post("/api/auth/signup", { email: e, password, fullName: "Asha Rao" }, { jar });
  expect(r.status).toBe(201);
  return { jar, email: e, password, id: r.json.user.id as string };
}

describe("sign-up, sign-in, sign-out (built-in auth)", () => {
  it("signs up with an httpOnly session cookie, then onboarding creates an owned organization", async () => {
    const jar = new CookieJar();
    const e = email();
    const r = await post("/api/auth/signup", { email: `  ${e.toUpperCase()} `, password: "longenough1", fullName: " Asha Rao " }, { jar });
    expect(r.status).toBe(201);
    expect(r.json.user.email).toBe(e);
    expect(r.json.next).toBe("/onboarding");
    const session = r.cookies.find((c) => c.name === "wa_session")!;
    expect(session.httpOnly).toBe(true);
    expect(session.sameSite).toBe("lax");
    expect(session.path).toBe("/");
    expect(session.maxAge).toBeGreaterThan(0);
    expect(r.res.headers.get("cache-control")).toContain("no-store");

    const stored = await withService(async (db) =>
      (await db.query("select u.email, u.encrypted_password, p.full_name from auth.users u join public.profiles p on p.user_id = u.id where u.id = $1", [r.json.user.id])).rows[0],
    );
    expect(stored.email).toBe(e);
    expect(stored.full_name).toBe("Asha Rao");
    expect(stored.encrypted_password).toMatch(/^\$argon2id\$/);

    const before = await get("/api/auth/session", jar);
    expect(before.status).toBe(200);
    expect(before.json.user.email).toBe(e);
    expect(before.json.organization).toBeNull();

    const org = await post("/api/orgs", { name: "  Rao Textiles  " }, { jar });
    expect(org.status).toBe(201);
    expect(org.json.organization.name).toBe("Rao Textiles");
    expect(org.cookies.find((c) => c.name === "wa_org")?.value).toBe(org.json.organization.id);

    const after = await get("/api/auth/session", jar);
    expect(after.json.organization).toMatchObject({ id: org.json.organization.id, role: "owner", status: "active" });
    expect(after.json.memberships).toEqual([{ id: org.json.organization.id, name: "Rao Textiles", role: "owner", status: "active" }]);
  });

  it("signs out (cookies expired, session refused) and signs in again", async () => {
    const u = await signUpUser();
    await post("/api/orgs", { name: "Sign Out Co" }, { jar: u.jar });

    const out = await post("/api/auth/logout", {}, { jar: u.jar });
    expect(out.status).toBe(200);
    expect(out.cookies.map((c) => [c.name, c.maxAge])).toEqual(expect.arrayContaining([["wa_session", 0], ["wa_org", 0]]));
    expect(u.jar.get("wa_session")).toBeUndefined();
    expect((await get("/api/auth/session", u.jar)).status).toBe(401);

    const jar = new CookieJar();
    const login = await post("/api/auth/login", { email: u.email.toUpperCase(), password: u.password }, { jar });
    expect(login.status).toBe(200);
    expect(login.json.user).toEqual({ id: u.id, email: u.email });
    const me = await get("/api/auth/session", jar);
    expect(me.json.user.id).toBe(u.id);
    expect(me.json.organization.role).toBe("owner");
  });

  it("a sign-out form (no JavaScript) is sent back to /login", async () => {
    const u = await signUpUser();
    const res = await fetch(`${server.url}/api/auth/logout`, {
      method: "POST",
      headers: { cookie: u.jar.header(), "content-type": "application/x-www-form-urlencoded" },
      body: "",
      redirect: "manual",
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/login");
    expect(res.headers.getSetCookie().some((c) => c.startsWith("wa_session=;"))).toBe(true);
  });

  it("refuses a wrong password and an unknown email alike, with the message on the password field", async () => {
    const u = await signUpUser();
    const wrong = await post("/api/auth/login", { email: u.email, password: "not the password" }, { jar: new CookieJar() });
    const unknown = await post("/api/auth/login", { email: email(), password: "whatever123" }, { jar: new CookieJar() });
    for (const r of [wrong, unknown]) {
      expect(r.status).toBe(401);
      expect(r.json.error.code).toBe("invalid_credentials");
      expect(r.json.error.fields).toEqual([{ path: "password", message: "Email or password is incorrect." }]);
      expect(r.cookies).toEqual([]);
    }
  });

  it("refuses a duplicate email (any case) with 409 and writes nothing", async () => {
    const u = await signUpUser();
    const before = await counts();
    const r = await post("/api/auth/signup", { email: u.email.toUpperCase(), password: "another-password" }, { jar: new CookieJar() });
    expect(r.status).toBe(409);
    expect(r.json.error.code).toBe("email_taken");
    expect(r.json.error.message).toBe("An account with this email already exists. Sign in instead.");
    expect(r.json.error.fields[0].path).toBe("email");
    expect(r.cookies).toEqual([]);
    expect(await counts()).toEqual(before);
  });
});

describe("bad input is refused with a message on the field, and nothing is written", () => {
  const signupCases: Array<[string, unknown, string]> = [
    ["missing email", { password: "longenough1" }, "email"],
    ["malformed email", { email: "not-an-email", password: "longenough1" }, "email"],
    ["blank email", { email: "   ", password: "longenough1" }, "email"],
    ["short password", { email: "short@auth-routes.test", password: "1234567" }, "password"],
    ["long password", { email: "long@auth-routes.test", password: "x".repeat(129) }, "password"],
    ["password not text", { email: "num@auth-routes.test", password: 12345678 }, "password"],
    ["long full name", { email: "name@auth-routes.test", password: "longenough1", fullName: "n".repeat(121) }, "fullName"],
  ];
  it.each(signupCases)("sign-up: %s", async (_label, body, field) => {
    const before = await counts();
    const r = await post("/api/auth/signup", body, { jar: new CookieJar() });
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe("invalid_request");
    const f = r.json.error.fields.find((x: { path: string }) => x.path === field);
    expect(f?.message).toMatch(/\w/);
    expect(r.cookies).toEqual([]);
    expect(await counts()).toEqual(before);
  });

  it("sign-up: the per-field messages read as a person would want", async () => {
    const r = await post("/api/auth/signup", { email: "nope", password: "short" }, { jar: new CookieJar() });
    expect(r.json.error.fields).toEqual([
      { path: "email", message: "Enter a valid email address, like name@company.com" },
      { path: "password", message: "Password must be at least 8 characters" },
    ]);
  });

  it("sign-up: a body that is not JSON", async () => {
    const before = await counts();
    const r = await post("/api/auth/signup", null, { raw: "email=a@b.c&password=12345678" });
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe("invalid_json");
    expect(await counts()).toEqual(before);
  });

  const loginCases: Array<[string, unknown, string]> = [
    ["missing password", { email: "someone@example.test" }, "password"],
    ["empty password", { email: "someone@example.test", password: "" }, "password"],
    ["malformed email", { email: "someone", password: "whatever1" }, "email"],
  ];
  it.each(loginCases)("login: %s", async (_label, body, field) => {
    const r = await post("/api/auth/login", body, { jar: new CookieJar() });
    expect(r.status).toBe(400);
    expect(r.json.error.fields.map((f: { path: string }) => f.path)).toContain(field);
    expect(r.cookies).toEqual([]);
  });

  const orgCases: Array<[string, unknown]> = [
    ["missing name", {}],
    ["name too short", { name: " a " }],
    ["name too long", { name: "n".repeat(121) }],
    ["name not text", { name: 42 }],
  ];
  it.each(orgCases)("organization: %s", async (_label, body) => {
    const u = await signUpUser();
    const before = await counts();
    const r = await post("/api/orgs", body, { jar: u.jar });
    expect(r.status).toBe(400);
    expect(r.json.error.fields[0].path).toBe("name");
    expect(r.json.error.fields[0].message).toMatch(/organization/i);
    expect(await counts()).toEqual(before);
  });

  it("organization: not signed in → 401, nothing written", async () => {
    const before = await counts();
    const r = await post("/api/orgs", { name: "Nobody's Org" }, { jar: new CookieJar() });
    expect(r.status).toBe(401);
    expect(await counts()).toEqual(before);
  });
});

describe("login rate limiting (stored in Postgres)", () => {
  it("per email: the 11th attempt in the window is refused with 429 and Retry-After, even with the right password", async () => {
    const u = await signUpUser();
    const from = ip();
    for (let i = 0; i < LOGIN_LIMITS.perEmail; i++) {
      const r = await post("/api/auth/login", { email: u.email, password: `wrong-${i}-pass` }, { ip: from });
      expect(r.status).toBe(401);
    }
    const blocked = await post("/api/auth/login", { email: u.email, password: u.password }, { jar: new CookieJar(), ip: ip() });
    expect(blocked.status).toBe(429);
    expect(blocked.json.error.code).toBe("too_many_attempts");
    expect(blocked.json.error.message).toMatch(/for this email address\. Try again in 1[45] minutes\./);
    const retry = Number(blocked.res.headers.get("retry-after"));
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(LOGIN_LIMITS.windowSeconds);
    expect(blocked.cookies).toEqual([]);

    // Another account is not affected by this email's lock.
    const other = await signUpUser();
    expect((await post("/api/auth/login", { email: other.email, password: other.password }, { ip: ip() })).status).toBe(200);

    // When the window has passed, the address may try again.
    await withService((db) =>
      db.query("update private.login_throttle set window_start = now() - interval '16 minutes' where key = $1", [`email:${u.email}`]),
    );
    expect((await post("/api/auth/login", { email: u.email, password: u.password }, { ip: ip() })).status).toBe(200);
  });

  it("a successful sign-in clears the email's failed attempts", async () => {
    const u = await signUpUser();
    for (let i = 0; i < LOGIN_LIMITS.perEmail - 1; i++) {
      expect((await post("/api/auth/login", { email: u.email, password: "wrong-password" })).status).toBe(401);
    }
    expect((await post("/api/auth/login", { email: u.email, password: u.password })).status).toBe(200);
    for (let i = 0; i < LOGIN_LIMITS.perEmail - 1; i++) {
      expect((await post("/api/auth/login", { email: u.email, password: "wrong-password" })).status).toBe(401);
    }
    expect((await post("/api/auth/login", { email: u.email, password: u.password })).status).toBe(200);
  });

  it("per IP: after 50 attempts from one address, the next is refused whatever the email; other addresses go on", async () => {
    const u = await signUpUser();
    const from = ip();
    for (let i = 0; i < LOGIN_LIMITS.perIp; i++) {
      const r = await post("/api/auth/login", { email: email(), password: "guess-password" }, { ip: `10.9.8.7, ${from}` });
      expect(r.status).toBe(401);
    }
    const blocked = await post("/api/auth/login", { email: u.email, password: u.password }, { ip: from });
    expect(blocked.status).toBe(429);
    expect(blocked.json.error.message).toMatch(/from your network/);
    expect(Number(blocked.res.headers.get("retry-after"))).toBeGreaterThan(0);
    // The spoofable first X-Forwarded-For entry is not the key: only the last (nearest proxy's) one is.
    expect((await post("/api/auth/login", { email: u.email, password: u.password }, { ip: `${from}, ${ip()}` })).status).toBe(200);
  });

  it("counts concurrent attempts exactly: 30 parallel guesses at one email let exactly 10 through", async () => {
    const u = await signUpUser();
    const results = await Promise.all(
      Array.from({ length: 30 }, () => post("/api/auth/login", { email: u.email, password: "parallel-guess" }, { ip: ip() })),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(LOGIN_LIMITS.perEmail);
    expect(statuses.filter((s) => s === 429)).toHaveLength(30 - LOGIN_LIMITS.perEmail);
  });
});

describe("session tokens", () => {
  async function sessionWith(token: string) {
    const res = await fetch(`${server.url}/api/auth/session`, { headers: { cookie: `wa_session=${token}` } });
    return res.status;
  }

  it("accepts a token it signed and refuses forged, tampered, expired and unsigned ones", async () => {
    const u = await signUpUser();
    expect(await sessionWith(u.jar.get("wa_session")!)).toBe(200);

    const forged = await new SignJWT({ role: "authenticated", email: u.email, aud: "authenticated" })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(u.id)
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode("another-secret-another-secret-another-secret"));
    expect(await sessionWith(forged)).toBe(401);

    const [h, p, s] = u.jar.get("wa_session")!.split(".");
    const claims = JSON.parse(Buffer.from(p, "base64url").toString());
    const other = await signUpUser();
    const tampered = [h, Buffer.from(JSON.stringify({ ...claims, sub: other.id })).toString("base64url"), s].join(".");
    expect(await sessionWith(tampered)).toBe(401);

    const expired = await signSession({ id: u.id, email: u.email }, -60);
    expect(await sessionWith(expired)).toBe(401);

    const none = [
      Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url"),
      Buffer.from(JSON.stringify({ ...claims })).toString("base64url"),
      "",
    ].join(".");
    expect(await sessionWith(none)).toBe(401);
    expect(await sessionWith("garbage")).toBe(401);
  });
});

describe("organizations and tenancy", () => {
  it("switches between the caller's organizations, and refuses one they do not belong to", async () => {
    const u = await signUpUser();
    const a = await post("/api/orgs", { name: "First Org" }, { jar: u.jar });
    const b = await post("/api/orgs", { name: "Second Org" }, { jar: u.jar });
    expect((await get("/api/auth/session", u.jar)).json.organization.id).toBe(b.json.organization.id);

    const sw = await post("/api/orgs/switch", { orgId: a.json.organization.id }, { jar: u.jar });
    expect(sw.status).toBe(200);
    expect((await get("/api/auth/session", u.jar)).json.organization.id).toBe(a.json.organization.id);

    const stranger = await signUpUser();
    const theirs = await post("/api/orgs", { name: "Stranger Org" }, { jar: stranger.jar });
    const refused = await post("/api/orgs/switch", { orgId: theirs.json.organization.id }, { jar: u.jar });
    expect(refused.status).toBe(404);
    expect(refused.cookies).toEqual([]);
    // Setting the cookie by hand does not help either: the organization comes from memberships.
    u.jar.set("wa_org", theirs.json.organization.id);
    expect((await get("/api/auth/session", u.jar)).json.organization.id).toBe(a.json.organization.id);

    const bad = await post("/api/orgs/switch", { orgId: "not-a-uuid" }, { jar: u.jar });
    expect(bad.status).toBe(400);
    expect(bad.json.error.fields[0].path).toBe("orgId");
  });

  it("a second member sees the same organization's data through RLS; a member of another organization sees none", async () => {
    const owner = await signUpUser();
    const org = (await post("/api/orgs", { name: "Shared Org" }, { jar: owner.jar })).json.organization;
    await withService((db) => credit(db, { orgId: org.id, amountPaise: 12_345, reference: `test:${org.id}` }));

    const colleague = await signUpUser();
    await withService((db) => addMember(db, { orgId: org.id, userId: colleague.id, role: "agent" }));
    const outsider = await signUpUser();
    const outsiderOrg = (await post("/api/orgs", { name: "Outsider Org" }, { jar: outsider.jar })).json.organization;

    // The claims each user's session carries, exactly as resolveCaller hands them to withTenant.
    const claimsOf = async (jar: CookieJar): Promise<JwtClaims> => {
      const [, p] = jar.get("wa_session")!.split(".");
      return JSON.parse(Buffer.from(p, "base64url").toString());
    };
    const read = (claims: JwtClaims, orgId: string) =>
      withTenant(claims, async (db) => ({
        overview: await getOrgOverview(db, orgId),
        progress: await getSetupProgress(db, orgId),
        ledger: (await db.query("select amount_paise from public.wallet_transactions where org_id = $1", [orgId])).rows,
      }));

    const asOwner = await read(await claimsOf(owner.jar), org.id);
    const asColleague = await read(await claimsOf(colleague.jar), org.id);
    expect(asOwner.overview).toMatchObject({ name: "Shared Org", balancePaise: 12_345, serviceFeePaise: 20 });
    expect(asColleague).toEqual(asOwner);
    expect(asColleague.progress).toEqual({ channelConnected: false, walletCredited: true, firstMessageSent: false });

    const asOutsider = await read(await claimsOf(outsider.jar), org.id);
    expect(asOutsider.overview).toBeNull();
    expect(asOutsider.ledger).toEqual([]);
    expect(asOutsider.progress).toEqual({ channelConnected: false, walletCredited: false, firstMessageSent: false });
    // And the outsider's own (new) organization starts at ₹0.00.
    expect((await read(await claimsOf(outsider.jar), outsiderOrg.id)).overview?.balancePaise).toBe(0);

    // Over HTTP the colleague lands in the shared organization as an agent.
    const jar = new CookieJar();
    await post("/api/auth/login", { email: colleague.email, password: colleague.password }, { jar });
    expect((await get("/api/auth/session", jar)).json.organization).toMatchObject({ id: org.id, role: "agent" });
  });
});
