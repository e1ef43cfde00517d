import { routeError } from "@/lib/http/route";
import { signUp, signupSchema } from "@/lib/auth/accounts";
import { applyCookieWrites } from "@/lib/auth/session";
import { readJson } from "@/lib/http/errors";

/** POST /api/auth/signup {email, password, fullName?} → 201 and a session cookie (then /onboarding). */
export async function POST(req: Request): Promise<Response> {
  try {
    const input = signupSchema.parse(await readJson(req, 16 * 1024));
    const out = await signUp(req, input);
    const body = out.user
      ? { user: out.user, next: "/onboarding" }
      : { user: null, needsEmailConfirmation: true, message: "Check your inbox and open the confirmation link to finish signing up." };
    return applyCookieWrites(Response.json(body, { status: 201 }), out.cookies);
  } catch (err) {
    return routeError(err, "auth.signup");
  }
}
