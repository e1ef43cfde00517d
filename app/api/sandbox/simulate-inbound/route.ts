import { requireMember } from "@/lib/auth/tenant-caller";
import { sandboxEnabled } from "@/lib/config/env";
import { errorResponse, readJson } from "@/lib/http/errors";
import { routeError } from "@/lib/http/route-error";
import { simulateInboundOnChannel } from "@/lib/sandbox/simulate-inbound";

// Sandbox only: a customer's message to one of the caller's sandbox channels, delivered through the
// real signed webhook. Off (404) when sandbox features are disabled.
export async function POST(req: Request) {
  try {
    if (!sandboxEnabled()) return errorResponse(404, "not_found", "Not found.");
    const m = await requireMember(req);
    const body = await readJson(req);
    const result = await simulateInboundOnChannel(m, body);
    return Response.json(result, { status: 201 });
  } catch (err) {
    return routeError(err, "sandbox.simulate-inbound");
  }
}
