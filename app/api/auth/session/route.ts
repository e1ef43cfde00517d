import { routeError } from "@/lib/http/route";
import { requireUserCaller } from "@/lib/auth/caller";
import { NO_STORE_HEADERS } from "@/lib/auth/session";
import { withTenant } from "@/lib/db/tx";
import { listMemberships } from "@/lib/orgs/organizations";

/** GET /api/auth/session: who is signed in, the organization in use and the others they belong to. */
export async function GET(req: Request): Promise<Response> {
  try {
    const caller = await requireUserCaller(req);
    const memberships = await withTenant(caller.claims, (db) => listMemberships(db, caller.userId));
    return Response.json(
      {
        user: { id: caller.userId, email: caller.email ?? null, isPlatformAdmin: caller.isPlatformAdmin },
        organization: caller.orgId ? { id: caller.orgId, role: caller.role, status: caller.orgStatus } : null,
        memberships: memberships.map((m) => ({ id: m.org_id, name: m.name, role: m.role, status: m.status })),
      },
      { headers: NO_STORE_HEADERS },
    );
  } catch (err) {
    return routeError(err, "auth.session");
  }
}
