import { withService, withTenant, type Db } from "../db/tx";
import type { OrgCaller } from "./caller";

/**
 * Runs a read for a caller: a signed-in user under RLS (withTenant), an API key as service_role.
 * Either way the query itself must name the caller's org_id (users may belong to several orgs,
 * and service_role bypasses RLS).
 */
export function withCallerDb<T>(caller: OrgCaller, fn: (db: Db) => Promise<T>): Promise<T> {
  return caller.kind === "user" ? withTenant(caller.claims, fn) : withService(fn);
}
