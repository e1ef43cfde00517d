import { z } from "zod";
import { createApiKey, listApiKeys } from "@/lib/apikeys/api-keys";
import { requireOrgUser } from "@/lib/auth/caller";
import { withService } from "@/lib/db/tx";
import { readJson } from "@/lib/http/errors";
import { handler } from "@/lib/http/route";

// API keys are managed by owners and admins only (agents cannot see or create them).
export const GET = handler(async (req) => {
  const caller = await requireOrgUser(req, { roles: ["owner", "admin"] });
  return Response.json({ data: await withService((db) => listApiKeys(db, caller.orgId)) });
});

const createSchema = z.object({ name: z.string().trim().min(1, "Give the key a name").max(60, "At most 60 characters") });

export const POST = handler(async (req) => {
  const caller = await requireOrgUser(req, { roles: ["owner", "admin"] });
  const { name } = createSchema.parse(await readJson(req));
  const key = await withService((db) => createApiKey(db, { orgId: caller.orgId, name, createdBy: caller.userId }));
  // The whole key is in this one response and nowhere else.
  return Response.json({ id: key.id, name, prefix: key.prefix, key: key.key }, { status: 201, headers: { "cache-control": "no-store" } });
});
