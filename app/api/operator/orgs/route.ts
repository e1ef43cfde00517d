import { requirePlatformAdmin } from "@/lib/auth/caller";
import { withService } from "@/lib/db/tx";
import { handler } from "@/lib/http/route";
import { listOrganizations } from "@/lib/operator/operator";

export const GET = handler(async (req) => {
  await requirePlatformAdmin(req);
  return Response.json({ data: await withService((db) => listOrganizations(db)) });
});
