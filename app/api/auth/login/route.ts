import { routeError } from "@/lib/http/route";
import { logIn, loginSchema } from "@/lib/auth/accounts";
import { clientIp } from "@/lib/auth/rate-limit";
import { applyCookieWrites } from "@/lib/auth/session";
import { readJson } from "@/lib/http/errors";

/** POST /api/auth/login {email, password} → 200 and a session cookie; 401 wrong password; 429 throttled. */
export async function POST(req: Request): Promise<Response> {
  try {
    const input = loginSchema.parse(await readJson(req, 16 * 1024));
    const out = await logIn(req, input, clientIp(req.headers));
    return applyCookieWrites(Response.json({ user: out.user }), out.cookies);
  } catch (err) {
    return routeError(err, "auth.login");
  }
}
