import type pg from "pg";
import { getServicePool } from "./pool";

/**
 * Runs one statement as service_role in its own (implicit) transaction: one round trip instead of
 * begin / set role / statement / commit. For hot system paths whose whole transaction is a single
 * statement or SQL function call (the send pipeline). Same rule as withService: org_id only from
 * verified data, never from a request body.
 */
export function serviceQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<pg.QueryResult<R>> {
  return getServicePool().query<R>(text, values);
}

/**
 * The same, as a named prepared statement: each connection parses and plans it once, and later
 * executions send only Bind/Execute — less work for Postgres and for the client on hot paths.
 */
export function servicePrepared<R extends pg.QueryResultRow = pg.QueryResultRow>(
  name: string,
  text: string,
  values: unknown[],
): Promise<pg.QueryResult<R>> {
  return getServicePool().query<R>({ name, text, values });
}
