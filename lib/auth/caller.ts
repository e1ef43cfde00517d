import { findApiKey, findApiKeyCached } from "../apikeys/api-keys";
import { consumeApiKeyRate } from "../apikeys/rate-limit";
import { withService, type JwtClaims } from "../db/tx";
import { ApiError } from "../http/errors";
import type { Role } from "../orgs/organizations";
import { ORG_COOKIE, readCookie, SESSION_COOKIE, verifySession } from "./session";
import { supabaseClaims, supabaseMode } from "./supabase";

/** Who is calling: a signed-in user (acting in one of their organizations) or an API key. */
export type Caller =
  | {
      kind: "user";
      userId: string;
      email?: string;
      claims: JwtClaims;
      orgId: string | null;
      role: Role | null;
      orgStatus: "active" | "suspended" | null;
      isPlatformAdmin: boolean;
    }
  | { kind: "api_key"; keyId: string; orgId: string; role: "api"; orgStatus: "active" | "suspended" };

export type OrgCaller = Extract<Caller, { kind: "user" }> & { orgId: string; role: Role } | Extract<Caller, { kind: "api_key" }>;

/**
 * Resolves the caller from the request alone: `Authorization: Bearer <api key>` or the session
 * cookie. The organization always comes from here — never from a request body.
 */
export async function resolveCaller(req: Request): Promise<Caller | null> {
  const auth = req.headers.get("authorization");
  if (auth?.toLowerCase().startsWith("bearer ")) {
    // Cached for a few seconds (API_KEY_CACHE_TTL_MS): the public API's hot path skips the lookup.
    const found = await findApiKeyCached(auth.slice(7).trim(), (key) => withService((db) => findApiKey(db, key)));
    // Per-key token bucket, in process (no query): 429 rate_limited once the key is over its limit.
    if (found) consumeApiKeyRate(req, found.keyId, found.rateLimitPerSecond);
    return found ? { kind: "api_key", keyId: found.keyId, orgId: found.orgId, role: "api", orgStatus: found.orgStatus } : null;
  }
  const cookieHeader = req.headers.get("cookie");
  const claims = await sessionClaims(req);
  if (!claims) return null;
  const wanted = readCookie(cookieHeader, ORG_COOKIE);
  return withService(async (db) => {
    const { rows } = await db.query<{ org_id: string; role: Role; status: "active" | "suspended" }>(
      `select m.org_id, m.role, o.status from public.memberships m join public.organizations o on o.id = m.org_id
       where m.user_id = $1 order by (m.org_id::text = $2) desc, m.created_at limit 1`,
      [claims.sub, wanted ?? ""],
    );
    const admin = await db.query("select 1 from public.platform_admins where user_id = $1", [claims.sub]);
    return {
      kind: "user" as const,
      userId: claims.sub,
      email: claims.email,
      claims,
      orgId: rows[0]?.org_id ?? null,
      role: rows[0]?.role ?? null,
      orgStatus: rows[0]?.status ?? null,
      isPlatformAdmin: (admin.rowCount ?? 0) > 0,
    };
  });
}

/**
 * The verified JWT claims of the request's session: the built-in wa_session JWT, or in Supabase
 * mode the Supabase session cookie checked with supabase.auth.getClaims(). Either way the claims
 * are what withTenant() hands to Postgres, so RLS sees the same thing in both modes.
 */
export async function sessionClaims(req: Request): Promise<JwtClaims | null> {
  if (supabaseMode()) return supabaseClaims(req);
  return verifySession(readCookie(req.headers.get("cookie"), SESSION_COOKIE));
}

export type UserCaller = Extract<Caller, { kind: "user" }>;

/** A signed-in person (organization optional, e.g. during onboarding); API keys are refused. */
export async function requireUserCaller(req: Request): Promise<UserCaller> {
  const caller = await resolveCaller(req);
  if (!caller) throw new ApiError(401, "unauthorized", "Sign in to continue.");
  if (caller.kind !== "user") throw new ApiError(403, "forbidden", "This action is only available to signed-in users, not API keys.");
  return caller;
}

/**
 * A caller acting for an organization, or an ApiError: 401 when not signed in, 403 when the
 * role is not allowed or the organization is suspended. `roles` limits which member roles may
 * call (API keys act with the organization's full API rights unless `allowApiKey` is false).
 */
export async function requireOrgCaller(
  req: Request,
  opts: { roles?: Role[]; allowApiKey?: boolean; allowSuspended?: boolean } = {},
): Promise<OrgCaller> {
  const caller = await resolveCaller(req);
  if (!caller) throw new ApiError(401, "unauthorized", "Sign in, or send a valid API key as 'Authorization: Bearer <key>'.");
  if (caller.kind === "api_key") {
    if (opts.allowApiKey === false) throw new ApiError(403, "forbidden", "This action is not available to API keys.");
    if (caller.orgStatus === "suspended" && !opts.allowSuspended) {
      throw new ApiError(403, "organization_suspended", "This organization is suspended. Contact the platform operator.");
    }
    return caller;
  }
  if (!caller.orgId || !caller.role) throw new ApiError(403, "no_organization", "Create or join an organization first.");
  if (caller.orgStatus === "suspended" && !opts.allowSuspended) {
    throw new ApiError(403, "organization_suspended", "This organization is suspended. Contact the platform operator.");
  }
  if (opts.roles && !opts.roles.includes(caller.role)) {
    throw new ApiError(403, "forbidden", `This action needs one of these roles: ${opts.roles.join(", ")}.`);
  }
  return caller as OrgCaller;
}

export type OrgUser = Extract<Caller, { kind: "user" }> & { orgId: string; role: Role };

/** A signed-in member (not an API key) acting for their organization; same errors as requireOrgCaller. */
export async function requireOrgUser(
  req: Request,
  opts: { roles?: Role[]; allowSuspended?: boolean } = {},
): Promise<OrgUser> {
  return (await requireOrgCaller(req, { ...opts, allowApiKey: false })) as OrgUser;
}

/** A signed-in platform operator (super admin). Anyone else gets 404, so the console is not advertised. */
export async function requirePlatformAdmin(req: Request): Promise<Extract<Caller, { kind: "user" }>> {
  const caller = await resolveCaller(req);
  if (!caller) throw new ApiError(401, "unauthorized", "Sign in as a platform operator.");
  if (caller.kind !== "user" || !caller.isPlatformAdmin) throw new ApiError(404, "not_found", "Not found.");
  return caller;
}
