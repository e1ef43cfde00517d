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
