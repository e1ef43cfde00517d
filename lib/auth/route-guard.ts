// The proxy's decision, as a pure function so it can be tested without a server.
// App pages need a session; everything else (API routes answer 401 JSON themselves, the sign-in
// pages, static assets, webhooks) is left alone.

export const PROTECTED_PREFIXES = [
  "/dashboard",
  "/wallet",
  "/channels",
  "/inbox",
  "/contacts",
  "/automations",
  "/settings",
  "/services",
  "/operator",
  "/onboarding",
] as const;

export const DEFAULT_AFTER_LOGIN = "/dashboard";

export function isProtectedPath(pathname: string): boolean {
  return PROTECTED_PREFIXES.some((p) => pathname === p || pathname.startsWith(`${p}/`));
}

export type ProxyDecision = { action: "next" } | { action: "redirect"; location: string };

export function proxyDecision(req: { pathname: string; search: string; signedIn: boolean }): ProxyDecision {
  if (!isProtectedPath(req.pathname) || req.signedIn) return { action: "next" };
  const next = `${req.pathname}${req.search}`;
  return { action: "redirect", location: `/login?next=${encodeURIComponent(next)}` };
}

/**
 * Where to go after signing in: the ?next path when it is a path on this site, else the
 * dashboard. Refuses absolute and protocol-relative URLs ("//evil.example", "/\\evil.example")
 * so the login page cannot be used as an open redirect.
 */
export function safeNextPath(next: string | null | undefined): string {
  if (!next || typeof next !== "string") return DEFAULT_AFTER_LOGIN;
  if (!next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return DEFAULT_AFTER_LOGIN;
  if (/[\u0000-\u001f]/.test(next)) return DEFAULT_AFTER_LOGIN;
  try {
    const url = new URL(next, "http://same.origin");
    if (url.origin !== "http://same.origin") return DEFAULT_AFTER_LOGIN;
    if (url.pathname === "/login" || url.pathname === "/signup") return DEFAULT_AFTER_LOGIN;
    return `${url.pathname}${url.search}${url.hash}`;
  } catch {
    return DEFAULT_AFTER_LOGIN;
  }
}
