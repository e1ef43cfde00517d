import { signSession, SESSION_COOKIE, ORG_COOKIE, sessionCookieOptions } from "@/lib/auth/session";
import { withService } from "@/lib/db/tx";
import { readJson } from "@/lib/http/errors";
import { handler } from "@/lib/http/route";
import { acceptInvitation, acceptSchema } from "@/lib/team/team";

function cookie(name: string, value: string, opts: ReturnType<typeof sessionCookieOptions>): string {
  return [
    `${name}=${encodeURIComponent(value)}`,
    `Path=${opts.path}`,
    `Max-Age=${opts.maxAge}`,
    "SameSite=Lax",
    opts.httpOnly ? "HttpOnly" : "",
    opts.secure ? "Secure" : "",
  ]
    .filter(Boolean)
    .join("; ");
}

export const POST = handler(async (req) => {
  const input = acceptSchema.parse(await readJson(req));
  const user = await withService((db) => acceptInvitation(db, input));
  const token = await signSession({ id: user.userId, email: user.email });
  const opts = sessionCookieOptions();
  const headers = new Headers({ "content-type": "application/json" });
  headers.append("set-cookie", cookie(SESSION_COOKIE, token, opts));
  headers.append("set-cookie", cookie(ORG_COOKIE, user.orgId, opts));
  return new Response(JSON.stringify({ user_id: user.userId, org_id: user.orgId }), { status: 201, headers });
});
