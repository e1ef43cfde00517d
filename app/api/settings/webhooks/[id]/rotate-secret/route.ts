import { z } from "zod";
import { requireOrgUser } from "@/lib/auth/caller";
import { ApiError, readText } from "@/lib/http/errors";
import { handler } from "@/lib/http/route";
import { rotateEndpointSecret } from "@/lib/webhooks/endpoints";
import { rotateSecretSchema } from "@/lib/webhooks/input";

// Body optional: {"previous_secret_valid_hours": 0..24} (default 24; 0 retires the old secret at once).
export const POST = handler<{ id: string }>(async (req, ctx) => {
  const caller = await requireOrgUser(req, { roles: ["owner", "admin"] });
  const id = z.string().uuid().safeParse((await ctx.params).id);
  const text = await readText(req, 4096);
  let body: unknown = {};
  if (text.trim()) {
    try {
      body = JSON.parse(text);
    } catch {
      throw new ApiError(400, "invalid_json", "The request body is not valid JSON.");
    }
  }
  const { previous_secret_valid_hours } = rotateSecretSchema.parse(body);
  const rotated =
    id.success && (await rotateEndpointSecret({ orgId: caller.orgId, id: id.data, previousValidHours: previous_secret_valid_hours }));
  if (!rotated) throw new ApiError(404, "not_found", "No webhook endpoint with that id in this organization.");
  return Response.json(rotated, { headers: { "cache-control": "no-store" } });
});
