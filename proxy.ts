import { createServerClient } from "@supabase/ssr";
import { NextResponse, type NextRequest } from "next/server";
import { isProtectedPath, proxyDecision } from "@/lib/auth/route-guard";
import { SESSION_COOKIE, verifySession } from "@/lib/auth/session";
import { SERVER_CLIENT_OPTIONS, supabaseMode, supabaseSettings } from "@/lib/auth/supabase";

/**
 * Next 16's proxy (formerly middleware): sends signed-out visitors of app pages to
 * /login?next=..., and in Supabase mode refreshes the Supabase session on every request so
 * pages and route handlers downstream see fresh cookies (Supabase's Next.js guide). API routes,
 * /login, /signup and static assets are never redirected: API routes answer 401 JSON themselves.
 * The decision itself is lib/auth/route-guard.ts (pure, tested); pages still check the caller.
 */
export async function proxy(request: NextRequest): Promise<NextResponse> {
  const { pathname, search } = request.nextUrl;
  if (!supabaseMode()) {
    if (!isProtectedPath(pathname)) return NextResponse.next();
    const signedIn = (await verifySession(request.cookies.get(SESSION_COOKIE)?.value)) !== null;
    return respond(proxyDecision({ pathname, search, signedIn }), request, NextResponse.next());
  }

  // Supabase mode: an API-key call carries no session to refresh.
  if (request.headers.get("authorization")?.toLowerCase().startsWith("bearer ")) return NextResponse.next();
  const { url, key } = supabaseSettings();
  let response = NextResponse.next({ request });
  const supabase = createServerClient(url, key, {
    ...SERVER_CLIENT_OPTIONS,
    cookies: {
      getAll: () => request.cookies.getAll(),
      setAll: (cookiesToSet, headers) => {
        // Refreshed tokens go both to the request (so this request's page or route sees them)
        // and to the response (so the browser keeps them), with the no-cache headers.
        for (const { name, value } of cookiesToSet) request.cookies.set(name, value);
        response = NextResponse.next({ request });
        for (const { name, value, options } of cookiesToSet) response.cookies.set(name, value, options);
        for (const [k, v] of Object.entries(headers)) response.headers.set(k, v);
      },
    },
  });
  // Nothing may run between creating the client and getClaims(): it is what refreshes the session.
  const { data } = await supabase.auth.getClaims().catch(() => ({ data: null }));
  const signedIn = Boolean(data?.claims?.sub);
  return respond(proxyDecision({ pathname, search, signedIn }), request, response);
}

function respond(decision: ReturnType<typeof proxyDecision>, request: NextRequest, pass: NextResponse): NextResponse {
  if (decision.action === "next") return pass;
  const redirect = NextResponse.redirect(new URL(decision.location, request.url));
  // Keep any cookie the session check wrote (e.g. a cleared Supabase session) on the redirect.
  for (const c of pass.cookies.getAll()) redirect.cookies.set(c);
  const cache = pass.headers.get("cache-control");
  if (cache) redirect.headers.set("cache-control", cache);
  return redirect;
}

export const config = {
  // Everything except Next's static files, common asset types, and the providers' webhooks (signed
  // machine calls: no session to refresh, and a Supabase round trip per Meta POST would be waste).
  // The public API (/api/v1) only when the request has no Authorization header: for an API-key
  // call the proxy does nothing in either mode, and skipping it saves its per-request cost on the
  // API's hot path (bench:send).
  matcher: [
    "/((?!_next/static|_next/image|api/webhook$|api/razorpay/webhook$|api/v1/|favicon.ico|.*\\.(?:svg|png|jpg|jpeg|gif|webp|ico|css|js|map|txt|woff2?)$).*)",
    { source: "/api/v1/:path*", missing: [{ type: "header", key: "authorization" }] },
  ],
};
