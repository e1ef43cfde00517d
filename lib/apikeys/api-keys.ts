import { createHash, randomBytes } from "node:crypto";
import type { Db } from "../db/tx";

// API keys look like wak_<8 chars>_<32 chars>. Only a SHA-256 of the whole key is stored (the
// key is 190 random bits, so a fast hash is the right tool here, unlike passwords); the
// "wak_<8 chars>" prefix is kept in clear so people can tell their keys apart.

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

export interface CreatedApiKey {
  id: string;
  prefix: string;
  /** The whole key: shown once, never stored. */
  key: string;
}

export async function createApiKey(
  db: Db,
  args: { orgId: string; name?: string; createdBy?: string | null },
): Promise<CreatedApiKey> {
  const prefix = `wak_${randomBytes(6).toString("base64url").slice(0, 8)}`;
  const key = `${prefix}_${randomBytes(24).toString("base64url")}`;
  const { rows } = await db.query<{ id: string }>(
    "insert into public.api_keys (org_id, name, prefix, key_hash, created_by) values ($1, $2, $3, $4, $5) returning id",
    [args.orgId, args.name ?? "API key", prefix, hashApiKey(key), args.createdBy ?? null],
  );
  return { id: rows[0].id, prefix, key };
}

/** The organization an API key acts as, or null for an unknown, revoked or suspended one. */
export async function verifyApiKey(db: Db, key: string): Promise<{ keyId: string; orgId: string } | null> {
  const found = await findApiKey(db, key);
  return found && found.orgStatus === "active" ? { keyId: found.keyId, orgId: found.orgId } : null;
}

/**
 * An unrevoked key with its organization's status (so a suspended organization can get a clear
 * 403) and its rate limit override (null = the server default).
 */
export async function findApiKey(db: Db, key: string): Promise<FoundKey | null> {
  if (!/^wak_[A-Za-z0-9_-]{8}_[A-Za-z0-9_-]{32}$/.test(key)) return null;
  const { rows } = await db.query<{ id: string; org_id: string; status: "active" | "suspended"; rate_limit_per_second: number | null }>(
    `select k.id, k.org_id, o.status, k.rate_limit_per_second
     from public.api_keys k join public.organizations o on o.id = k.org_id
     where k.key_hash = $1 and k.revoked_at is null`,
    [hashApiKey(key)],
  );
  if (!rows[0]) return null;
  // Record use at most once a minute, so a busy key does not write on every request.
  await db.query(
    "update public.api_keys set last_used_at = now() where id = $1 and (last_used_at is null or last_used_at < now() - interval '1 minute')",
    [rows[0].id],
  );
  return { keyId: rows[0].id, orgId: rows[0].org_id, orgStatus: rows[0].status, rateLimitPerSecond: rows[0].rate_limit_per_second };
}

// Verified keys are trusted for API_KEY_CACHE_TTL_MS (default 5 s) without asking the database:
// the public API's hot path then costs no key lookup. Revocation and suspension take effect within
// that time on every server (and at once on the server that revoked it).
export type FoundKey = { keyId: string; orgId: string; orgStatus: "active" | "suspended"; rateLimitPerSecond: number | null };
const cache = new Map<string, { value: FoundKey; expires: number }>();
const CACHE_MAX = 10_000;

function cacheTtlMs(): number {
  const v = Number(process.env.API_KEY_CACHE_TTL_MS ?? 5_000);
  return Number.isFinite(v) && v >= 0 ? v : 5_000;
}

/** findApiKey with a short in-process cache; `lookup` runs it in a service-role transaction on a miss. */
export async function findApiKeyCached(key: string, lookup: (key: string) => Promise<FoundKey | null>): Promise<FoundKey | null> {
  if (!/^wak_[A-Za-z0-9_-]{8}_[A-Za-z0-9_-]{32}$/.test(key)) return null;
  const hash = hashApiKey(key);
  const now = Date.now();
  const hit = cache.get(hash);
  if (hit && hit.expires > now) return hit.value;
  const value = await lookup(key);
  if (!value) {
    cache.delete(hash);
    return null;
  }
  const ttl = cacheTtlMs();
  if (ttl > 0) {
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(hash, { value, expires: now + ttl });
  }
  return value;
}

/** Forgets cached keys (all, or one organization's): after a revocation or a suspension. */
export function forgetCachedApiKeys(orgId?: string): void {
  if (!orgId) return cache.clear();
  for (const [k, v] of cache) if (v.value.orgId === orgId) cache.delete(k);
}

export async function revokeApiKey(db: Db, args: { orgId: string; keyId: string }): Promise<boolean> {
  const r = await db.query("update public.api_keys set revoked_at = now() where id = $1 and org_id = $2 and revoked_at is null", [
    args.keyId,
    args.orgId,
  ]);
  forgetCachedApiKeys(args.orgId);
  return (r.rowCount ?? 0) > 0;
}

export interface ApiKeySummary {
  id: string;
  name: string;
  prefix: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

/** Keys of an organization by prefix (never the key or its hash). */
export async function listApiKeys(db: Db, orgId: string): Promise<ApiKeySummary[]> {
  const { rows } = await db.query<ApiKeySummary>(
    `select id, name, prefix, created_at, last_used_at, revoked_at from public.api_keys
     where org_id = $1 order by revoked_at is not null, created_at desc`,
    [orgId],
  );
  return rows;
}

/** One key's metadata (never the key or its hash) with its organization, for operator tools; null when unknown. */
export async function getApiKey(db: Db, keyId: string): Promise<(ApiKeySummary & { org_id: string }) | null> {
  const { rows } = await db.query<ApiKeySummary & { org_id: string }>(
    "select id, org_id, name, prefix, created_at, last_used_at, revoked_at from public.api_keys where id = $1",
    [keyId],
  );
  return rows[0] ?? null;
}

/** Sets (or with null clears) a key's rate limit override; false when there is no such key. */
export async function setApiKeyRateLimit(db: Db, keyId: string, perSecond: number | null): Promise<boolean> {
  const r = await db.query("update public.api_keys set rate_limit_per_second = $2 where id = $1", [keyId, perSecond]);
  return (r.rowCount ?? 0) > 0;
}
