import type pg from "pg";
import { getPool } from "./pool";

export type Db = pg.PoolClient;

/** Claims as Supabase Auth issues them; RLS reads them through auth.uid() / auth.jwt(). */
export interface JwtClaims {
  sub: string;
  role: "authenticated";
  email?: string;
  exp?: number;
  [key: string]: unknown;
}

async function inTransaction<T>(setup: (c: Db) => Promise<void>, fn: (c: Db) => Promise<T>): Promise<T> {
  const client = await getPool().connect();
  try {
    await client.query("begin");
    await setup(client);
    const result = await fn(client);
    await client.query("commit");
    return result;
  } catch (err) {
    await client.query("rollback").catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/**
 * Runs fn as the signed-in user: role `authenticated` with the user's JWT claims, inside one
 * transaction, exactly as PostgREST does on Supabase. Postgres RLS then decides every row.
 * The claims go in as a bound parameter, never spliced into SQL.
 */
export function withTenant<T>(claims: JwtClaims, fn: (c: Db) => Promise<T>): Promise<T> {
  return inTransaction(async (c) => {
    await c.query("select set_config('request.jwt.claims', $1, true), set_config('role', 'authenticated', true)", [
      JSON.stringify(claims),
    ]);
  }, fn);
}

/**
 * Runs fn as service_role (bypasses RLS). Only for system paths — webhooks, workers, the operator
 * CLI, API-key calls — which must take org_id from verified data, never from a request body.
 */
export function withService<T>(fn: (c: Db) => Promise<T>): Promise<T> {
  return inTransaction(async (c) => {
    await c.query("select set_config('role', 'service_role', true)");
  }, fn);
}
