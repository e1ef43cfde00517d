import { requireOrgCaller } from "@/lib/auth/caller";
import { ApiError, MAX_JSON_BODY_BYTES, readText } from "@/lib/http/errors";
import { handler } from "@/lib/http/route";
import { syncTemplatesSchema } from "@/lib/templates/schema";
import { syncOrganization, syncWaba } from "@/lib/templates/templates";

// Reads every page of the templates Meta holds for one channel's WABA (channel_id), or for every
// connected channel's WABA, and updates ours to match. The body is optional.
export const POST = handler(async (req) => {
  const caller = await requireOrgCaller(req, { roles: ["owner", "admin"] });
  const text = await readText(req, MAX_JSON_BODY_BYTES);
  let raw: unknown = {};
  try {
    if (text.trim()) raw = JSON.parse(text);
  } catch {
    throw new ApiError(400, "invalid_json", "The request body is not valid JSON.");
  }
  const input = syncTemplatesSchema.parse(raw);
  const data = input.channel_id ? [await syncWaba(caller.orgId, { channelId: input.channel_id })] : await syncOrganization(caller.orgId);
  return Response.json({ data });
});
