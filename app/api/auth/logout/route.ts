import { routeError } from "@/lib/http/route";
import { logOut } from "@/lib/auth/accounts";
import { applyCookieWrites } from "@/lib/auth/session";

/**
 * POST /api/auth/logout. A plain HTML form (the sidebar's "Sign out", which works without
 * JavaScript) gets a 303 to /login; fetch callers get {"ok": true}. Both clear the cookies.
 */
export async function POST(req: Request): Promise<Response> {
  try {
    const writes = await logOut(req);
    const isForm = (req.headers.get("content-type") ?? "").includes("application/x-www-form-urlencoded");
    const res = isForm
      ? new Response(null, { status: 303, headers: { Location: "/login" } })
      : Response.json({ ok: true });
    return applyCookieWrites(res, writes);
  } catch (err) {
    return routeError(err, "auth.logout");
  }
}
