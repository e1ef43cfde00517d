import { requireOrgCaller } from "@/lib/auth/caller";
import { connectSandboxChannel, sandboxConnectSchema } from "@/lib/channels/channels";
import { sandboxEnabled } from "@/lib/config/env";
import { ApiError, readJson, toErrorResponse } from "@/lib/http/errors";

/** Connects a sandbox WhatsApp number (owner/admin): {display_phone}. */
export async function POST(req: Request) {
  try {
    if (!sandboxEnabled()) throw new ApiError(404, "not_found", "Sandbox channels are not enabled on this server.");
    const caller = await requireOrgCaller(req, { roles: ["owner", "admin"] });
    const body = sandboxConnectSchema.parse(await readJson(req));
    const channel = await connectSandboxChannel({ orgId: caller.orgId, displayPhone: body.display_phone });
    return Response.json(channel, { status: 201 });
  } catch (err) {
    return toErrorResponse(err);
  }
}
