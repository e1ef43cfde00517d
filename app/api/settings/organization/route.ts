import { z } from "zod";
import { requireOrgUser } from "@/lib/auth/caller";
import { withService } from "@/lib/db/tx";
import { readJson } from "@/lib/http/errors";
import { handler } from "@/lib/http/route";
import { organizationNameSchema, renameOrganization } from "@/lib/orgs/organizations";

export const PATCH = handler(async (req) => {
  const caller = await requireOrgUser(req, { roles: ["owner", "admin"] });
  const { name } = z.object({ name: organizationNameSchema }).parse(await readJson(req));
  await withService((db) => renameOrganization(db, caller.orgId, name));
  return Response.json({ id: caller.orgId, name });
});
