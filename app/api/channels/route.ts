import { requireOrgCaller } from "@/lib/auth/caller";
import { withCaller } from "@/lib/db/as-caller";
import { listChannels } from "@/lib/channels/channels";
import { toErrorResponse } from "@/lib/http/errors";

/** The organization's WhatsApp numbers (never their tokens). */
export async function GET(req: Request) {
  try {
    const caller = await requireOrgCaller(req, { allowSuspended: true });
    return Response.json({ data: await withCaller(caller, (db) => listChannels(db, caller.orgId)) });
  } catch (err) {
    return toErrorResponse(err);
  }
}
