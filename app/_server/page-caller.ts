import "server-only";
import { headers } from "next/headers";
import { notFound, redirect } from "next/navigation";
import { cache } from "react";
import { resolveCaller, type Caller } from "@/lib/auth/caller";
import type { Role } from "@/lib/orgs/organizations";

/**
 * The signed-in caller for a server component, resolved exactly as route handlers do (same
 * cookies, same checks, Supabase or built-in). Cached per request, so a layout and its page
 * both calling it cost one lookup.
 */
export const getPageCaller = cache(async (): Promise<Caller | null> => {
  const h = await headers();
  const req = new Request("http://page.internal/", { headers: { cookie: h.get("cookie") ?? "" } });
  return resolveCaller(req);
});

export type PageSignedIn = Extract<Caller, { kind: "user" }>;
export type PageUser = PageSignedIn & { orgId: string; role: Role };

/** For pages that need a person but not yet an organization (onboarding): else /login. */
export async function requirePageUser(): Promise<PageSignedIn> {
  const caller = await getPageCaller();
  if (!caller || caller.kind !== "user") redirect("/login");
  return caller;
}

/**
 * For pages inside the app: signed in (else /login), in an organization (else /onboarding), and
 * with one of `roles` when given (else 404, so pages do not reveal what exists).
 * Read the organization's data with withTenant(caller.claims, ...) so RLS applies.
 */
export async function requirePageOrg(opts: { roles?: Role[] } = {}): Promise<PageUser> {
  const caller = await requirePageUser();
  if (!caller.orgId || !caller.role) redirect("/onboarding");
  if (opts.roles && !opts.roles.includes(caller.role)) notFound();
  return caller as PageUser;
}

/** For operator pages: a platform admin (else 404). */
export async function requirePagePlatformAdmin(): Promise<PageSignedIn> {
  const caller = await requirePageUser();
  if (!caller.isPlatformAdmin) notFound();
  return caller;
}
