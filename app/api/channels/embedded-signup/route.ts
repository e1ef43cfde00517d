import { requireOrgCaller } from "@/lib/auth/caller";
import { completeEmbeddedSignup, embeddedSignupSchema } from "@/lib/channels/embedded-signup";
import { readJson, toErrorResponse } from "@/lib/http/errors";
import { logger } from "@/lib/log";

/** Finishes Meta Embedded Signup (owner/admin, in the browser session): {code, waba_id, phone_number_id, pin?}. */
export async function POST(req: Request) {
  try {
    const caller = await requireOrgCaller(req, { roles: ["owner", "admin"], allowApiKey: false });
    const body = embeddedSignupSchema.parse(await readJson(req));
    const channel = await completeEmbeddedSignup({
      orgId: caller.orgId,
      code: body.code,
      wabaId: body.waba_id,
      phoneNumberId: body.phone_number_id,
      pin: body.pin,
    });
    return Response.json(channel, { status: 201 });
  } catch (err) {
    const res = toErrorResponse(err);
    if (res.status >= 500) logger.error({ err: (err as Error).message }, "embedded signup failed");
    return res;
  }
}
