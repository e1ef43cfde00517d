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
  if (!/^wak_[A-Za-z0-9_-]{8}_[A-Za-z0-9_-]{32}$/.test(key)) return null;
  const { rows } = await db.query<{ id: string; org_id: string }>(
    `select k.id, k.org_id from public.api_keys k join public.organizations o on o.id = k.org_id
     where k.key_hash = $1 and k.revoked_at is null and o.status = 'active'`,
    [hashApiKey(key)],
  );
  if (!rows[0]) return null;
  // Record use at most once a minute, so a busy key does not write on every request.
  await db.query(
    "update public.api_keys set last_used_at = now() where id = $1 and (last_used_at is null or last_used_at < now() - interval '1 minute')",
    [rows[0].id],
  );
  return { keyId: rows[0].id, orgId: rows[0].org_id };
}

export async function revokeApiKey(db: Db, args: { orgId: string; keyId: string }): Promise<boolean> {
  const r = await db.query("update public.api_keys set revoked_at = now() where id = $1 and org_id = $2 and revoked_at is null", [
    args.keyId,
    args.orgId,
  ]);
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
