import { z } from "zod";
import { routeError } from "@/lib/http/route";
import { requireUserCaller } from "@/lib/auth/caller";
import { applyCookieWrites, NO_STORE_HEADERS, ORG_COOKIE, ORG_COOKIE_TTL_SECONDS, setCookieHeader } from "@/lib/auth/session";
import { withTenant } from "@/lib/db/tx";
import { ApiError, readJson } from "@/lib/http/errors";
import { listMemberships } from "@/lib/orgs/organizations";

const bodySchema = z.object({
  orgId: z.string({ error: "Choose an organization" }).pipe(z.uuid({ error: "Choose one of your organizations" })),
});

/** POST /api/orgs/switch {orgId}: work in another of the caller's organizations (cookie wa_org). */
export async function POST(req: Request): Promise<Response> {
  try {
    const caller = await requireUserCaller(req);
    const { orgId } = bodySchema.parse(await readJson(req, 4 * 1024));
    const memberships = await withTenant(caller.claims, (db) => listMemberships(db, caller.userId));
    const target = memberships.find((m) => m.org_id === orgId);
    if (!target) {
      throw new ApiError(404, "organization_not_found", "You are not a member of that organization.", {
        fields: [{ path: "orgId", message: "You are not a member of that organization." }],
      });
    }
    return applyCookieWrites(
      Response.json({ organization: { id: target.org_id, name: target.name, role: target.role, status: target.status } }),
      { setCookies: [setCookieHeader(ORG_COOKIE, target.org_id, ORG_COOKIE_TTL_SECONDS)], headers: NO_STORE_HEADERS },
    );
  } catch (err) {
    return routeError(err, "orgs.switch");
  }
}
