import { requireOrgUser } from "@/lib/auth/caller";
import { sandboxEnabled } from "@/lib/config/env";
import { ApiError, readJson } from "@/lib/http/errors";
import { handler } from "@/lib/http/route";
import { simulateInboundOnChannel } from "@/lib/sandbox/simulate-inbound";

// Sandbox only: a customer's message to one of the caller's sandbox channels, delivered through the
// real signed webhook. Off (404) when sandbox features are disabled.
export const POST = handler(async (req) => {
  if (!sandboxEnabled()) throw new ApiError(404, "not_found", "Not found.");
  const m = await requireOrgUser(req);
  const body = await readJson(req);
  return Response.json(await simulateInboundOnChannel(m, body), { status: 201 });
});
