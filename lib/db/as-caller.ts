import type { OrgCaller } from "../auth/caller";
import { withService, withTenant, type Db } from "./tx";

/**
 * Runs fn for a resolved caller: a signed-in member through withTenant (RLS decides every row),
 * an API key through withService. Services must still filter by caller.orgId in every query,
 * because the service role bypasses RLS — that filter is what scopes an API key to its org.
 */
export function withCaller<T>(caller: OrgCaller, fn: (db: Db) => Promise<T>): Promise<T> {
  return caller.kind === "user" ? withTenant(caller.claims, fn) : withService(fn);
}
