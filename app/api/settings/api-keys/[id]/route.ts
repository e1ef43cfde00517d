import { z } from "zod";
import { revokeApiKey } from "@/lib/apikeys/api-keys";
import { requireOrgUser } from "@/lib/auth/caller";
import { withService } from "@/lib/db/tx";
import { ApiError } from "@/lib/http/errors";
import { handler } from "@/lib/http/route";

export const DELETE = handler<{ id: string }>(async (req, ctx) => {
  const caller = await requireOrgUser(req, { roles: ["owner", "admin"] });
  const id = z.string().uuid().safeParse((await ctx.params).id);
  const revoked = id.success && (await withService((db) => revokeApiKey(db, { orgId: caller.orgId, keyId: id.data })));
  if (!revoked) throw new ApiError(404, "not_found", "No active API key with that id in this organization.");
  return new Response(null, { status: 204 });
});
