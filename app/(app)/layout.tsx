import { redirect } from "next/navigation";
import { requirePageUser } from "@/app/_server/page-caller";
import { sandboxNotice } from "@/app/_server/sandbox-notice";
import { AppShell } from "@/components/shell/app-shell";
import { LowBalanceBanner } from "@/components/shell/low-balance-banner";
import { withTenant } from "@/lib/db/tx";
import { listMemberships } from "@/lib/orgs/organizations";

/**
 * The signed-in app. Pages inside this group (app/(app)/<page>/page.tsx) get the sidebar, the
 * organization switcher and the sandbox banner; each page still checks its own caller with
 * requirePageOrg() (layouts do not re-run on every navigation).
 */
export default async function AppLayout({ children }: { children: React.ReactNode }) {
  const caller = await requirePageUser();
  // Platform operators may have no organization of their own; everyone else sets one up first.
  if (!caller.orgId && !caller.isPlatformAdmin) redirect("/onboarding");
  const memberships = await withTenant(caller.claims, (db) => listMemberships(db, caller.userId));
  const orgs = memberships.map((m) => ({ id: m.org_id, name: m.name, role: m.role }));
  const current = memberships.find((m) => m.org_id === caller.orgId);
  return (
    <AppShell
      user={{ email: caller.email ?? null, isPlatformAdmin: caller.isPlatformAdmin }}
      org={current ? { id: current.org_id, name: current.name, role: current.role, suspended: current.status === "suspended" } : null}
      orgs={orgs}
      sandboxNotice={sandboxNotice()}
    >
      {current && current.role !== "agent" ? <LowBalanceBanner /> : null}
      {children}
    </AppShell>
  );
}
