import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { requirePageOrg } from "@/app/_server/page-caller";
import { SetupChecklist } from "@/components/onboarding/setup-checklist";
import { StatCard } from "@/components/stat-card";
import { PageHeader } from "@/components/ui";
import { withTenant } from "@/lib/db/tx";
import { formatPaise } from "@/lib/money/format";
import { getOrgOverview, getSetupProgress, setupComplete } from "@/lib/orgs/overview";

export const metadata: Metadata = { title: "Home" };

const count = new Intl.NumberFormat("en-IN");

export default async function DashboardPage() {
  const caller = await requirePageOrg();
  // As the signed-in user: RLS decides what this reads.
  const { overview, progress } = await withTenant(caller.claims, async (db) => ({
    overview: await getOrgOverview(db, caller.orgId),
    progress: await getSetupProgress(db, caller.orgId),
  }));
  if (!overview) notFound();

  const fee = overview.serviceFeePaise;
  const affordable = fee > 0 ? Math.floor(overview.balancePaise / fee) : null;
  const low = overview.balancePaise < overview.lowBalanceThresholdPaise;

  return (
    <div className="space-y-8">
      <PageHeader title={overview.name} description="Your organization at a glance." />

      <section aria-label="Key figures" className="grid gap-4 sm:grid-cols-2 xl:grid-cols-4">
        <StatCard
          label="Wallet balance"
          value={<span data-testid="wallet-balance">{formatPaise(overview.balancePaise)}</span>}
          note={
            overview.balancePaise === 0
              ? "Recharge to start sending messages."
              : low
                ? `Below your alert level of ${formatPaise(overview.lowBalanceThresholdPaise)}.`
                : undefined
          }
          tone={low ? "warning" : "default"}
          link={{ href: "/wallet", label: "Recharge" }}
        />
        <StatCard
          label="Fee per message"
          value={formatPaise(fee)}
          note={
            fee === 0
              ? "Messages carry no service fee."
              : affordable
                ? `Enough for about ${count.format(affordable)} message${affordable === 1 ? "" : "s"}.`
                : "Taken from the wallet before each message goes out; refunded if sending fails."
          }
        />
        <StatCard
          label="WhatsApp numbers"
          value={count.format(overview.connectedChannels)}
          note={overview.connectedChannels ? "Connected and ready." : "No number connected yet."}
          link={{ href: "/channels", label: overview.connectedChannels ? "Manage channels" : "Connect a number" }}
        />
        <StatCard
          label="Contacts"
          value={count.format(overview.contacts)}
          link={{ href: "/contacts", label: "View contacts" }}
        />
      </section>

      {setupComplete(progress) ? null : (
        <section aria-labelledby="getting-started" className="space-y-3">
          <h2 id="getting-started" className="text-lg font-semibold">
            Getting started
          </h2>
          <SetupChecklist progress={progress} />
        </section>
      )}

      <section aria-labelledby="activity" className="space-y-3">
        <h2 id="activity" className="text-lg font-semibold">
          Last 7 days
        </h2>
        <div className="grid grid-cols-2 divide-x divide-border rounded-xl border border-border bg-surface">
          <div className="p-5">
            <p className="text-sm text-muted">Messages sent</p>
            <p className="text-2xl font-semibold tabular-nums">{count.format(overview.sentLast7Days)}</p>
          </div>
          <div className="p-5">
            <p className="text-sm text-muted">Messages received</p>
            <p className="text-2xl font-semibold tabular-nums">{count.format(overview.receivedLast7Days)}</p>
          </div>
        </div>
      </section>
    </div>
  );
}
