import { z } from "zod";
import { routeError } from "@/lib/http/route";
import { requireUserCaller } from "@/lib/auth/caller";
import { applyCookieWrites, NO_STORE_HEADERS, ORG_COOKIE, ORG_COOKIE_TTL_SECONDS, setCookieHeader } from "@/lib/auth/session";
import { withService } from "@/lib/db/tx";
import { readJson } from "@/lib/http/errors";
import { createOrganization, organizationNameSchema } from "@/lib/orgs/organizations";

const bodySchema = z.object({
  name: z.string({ error: "Enter your organization's name" }).pipe(organizationNameSchema),
});

/**
 * POST /api/orgs {name}: onboarding. Creates an organization with the signed-in caller as owner
 * (the owner comes from the session, never the body) and makes it the one in use.
 */
export async function POST(req: Request): Promise<Response> {
  try {
    const caller = await requireUserCaller(req);
    const { name } = bodySchema.parse(await readJson(req, 16 * 1024));
    // Service role: tenants cannot insert organizations themselves; the owner is the verified caller.
    const org = await withService((db) => createOrganization(db, { name, ownerUserId: caller.userId }));
    return applyCookieWrites(
      Response.json(
        { organization: { id: org.id, name: org.name, role: "owner", service_fee_paise: org.service_fee_paise } },
        { status: 201 },
      ),
      { setCookies: [setCookieHeader(ORG_COOKIE, org.id, ORG_COOKIE_TTL_SECONDS)], headers: NO_STORE_HEADERS },
    );
  } catch (err) {
    return routeError(err, "orgs.create");
  }
}
