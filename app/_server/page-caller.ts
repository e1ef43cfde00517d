import "server-only";
import { headers } from "next/headers";
import { notFound, redirect } from "next/navigation";
import { resolveCaller, type Caller } from "@/lib/auth/caller";
import type { Role } from "@/lib/orgs/organizations";

/** The signed-in caller for a server component, resolved exactly as route handlers do. */
export async function getPageCaller(): Promise<Caller | null> {
  const h = await headers();
  const req = new Request("http://page.internal/", { headers: { cookie: h.get("cookie") ?? "" } });
  return resolveCaller(req);
}

export type PageUser = Extract<Caller, { kind: "user" }> & { orgId: string; role: Role };

/**
 * For pages inside the app: signed in (else /login), in an organization (else /onboarding), and
 * with one of `roles` when given (else 404, so pages do not reveal what exists).
 */
export async function requirePageOrg(opts: { roles?: Role[] } = {}): Promise<PageUser> {
  const caller = await getPageCaller();
  if (!caller || caller.kind !== "user") redirect("/login");
  if (!caller.orgId || !caller.role) redirect("/onboarding");
  if (opts.roles && !opts.roles.includes(caller.role)) notFound();
  return caller as PageUser;
}

/** For the operator console: a signed-in platform admin, else /login or 404. */
export async function requirePagePlatformAdmin(): Promise<Extract<Caller, { kind: "user" }>> {
  const caller = await getPageCaller();
  if (!caller || caller.kind !== "user") redirect("/login?next=/operator");
  if (!caller.isPlatformAdmin) notFound();
  return caller;
}
