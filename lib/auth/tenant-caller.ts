import type { JwtClaims } from "../db/tx";
import type { Role } from "../orgs/organizations";
import { requireOrgCaller } from "./caller";

/**
 * A signed-in member acting in their current organization, for dashboard-only routes whose queries
 * run under RLS (withTenant needs the user's claims, which an API key does not have).
 */
export async function requireMember(req: Request, opts: { roles?: Role[] } = {}): Promise<{ orgId: string; role: Role; claims: JwtClaims; userId: string }> {
  const caller = await requireOrgCaller(req, { roles: opts.roles, allowApiKey: false });
  if (caller.kind !== "user") throw new Error("unreachable: API keys were refused above");
  return { orgId: caller.orgId, role: caller.role, claims: caller.claims, userId: caller.userId };
}
