import { randomBytes } from "node:crypto";
import pg from "pg";
import { migrate } from "../../lib/db/migrate";
import { closePools } from "../../lib/db/pool";

/**
 * Gives this test file a database of its own on the run's server (freshly migrated) and points
 * DATABASE_URL at it, for tests that compare whole-database row counts: other test files write to
 * the shared database in parallel. Returns the cleanup, which restores DATABASE_URL and drops it.
 */
export async function useIsolatedDatabase(): Promise<() => Promise<void>> {
  const shared = process.env.DATABASE_URL;
  if (!shared) throw new Error("DATABASE_URL is not set (tests/setup/env.ts sets it)");
  const name = `iso_${Date.now()}_${randomBytes(3).toString("hex")}`;
  const admin = new pg.Client({ connectionString: shared });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(shared);
  url.pathname = `/${name}`;
  await migrate(url.toString());
  await closePools();
  process.env.DATABASE_URL = url.toString();
  return async () => {
    await closePools();
    process.env.DATABASE_URL = shared;
    const a = new pg.Client({ connectionString: shared });
    await a.connect();
    await a.query(`drop database if exists ${name} with (force)`);
    await a.end();
  };
}

/**
 * Row count and a digest of the contents of every table in public plus auth.users. Equal before
 * and after means nothing was inserted, updated or deleted.
 */
export async function databaseState(client: pg.ClientBase | pg.Pool): Promise<Record<string, string>> {
  const { rows } = await client.query<{ name: string }>(
    `select format('%I.%I', n.nspname, c.relname) as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where c.relkind in ('r', 'p') and (n.nspname = 'public' or (n.nspname = 'auth' and c.relname = 'users'))
     order by 1`,
  );
  const state: Record<string, string> = {};
  for (const { name } of rows) {
    const r = await client.query<{ n: string; digest: string }>(
      `select count(*)::text as n, md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as digest from ${name} t`,
    );
    state[name] = `${r.rows[0].n} rows ${r.rows[0].digest}`;
  }
  return state;
}
