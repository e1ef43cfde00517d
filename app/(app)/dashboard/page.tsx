import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { requirePageOrg } from "@/app/_server/page-caller";
import { SetupChecklist } from "@/components/onboarding/setup-checklist";
import { StatCard } from "@/components/stat-card";
import { DISPLAY_TIME_ZONE } from "@/components/time-zone";
import { PageHeader } from "@/components/ui";
import { withTenant } from "@/lib/db/tx";
import { formatPaise } from "@/lib/money/format";
import Link from "next/link";
import { Badge } from "@/components/ui";
import { getOrgOverview, getSetupProgress, setupComplete } from "@/lib/orgs/overview";
import { channelHealth, messagesToday, recentActivity } from "@/lib/orgs/today";

export const metadata: Metadata = { title: "Home" };

const count = new Intl.NumberFormat("en-IN");

export default async function DashboardPage() {
  const caller = await requirePageOrg();
  // As the signed-in user: RLS decides what this reads.
  const { overview, progress, today, channels, activity } = await withTenant(caller.claims, async (db) => ({
    overview: await getOrgOverview(db, caller.orgId),
    progress: await getSetupProgress(db, caller.orgId),
    today: await messagesToday(db, caller.orgId),
    channels: await channelHealth(db, caller.orgId),
    activity: await recentActivity(db, caller.orgId),
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

      <section aria-labelledby="today" className="space-y-3">
        <h2 id="today" className="text-lg font-semibold">
          Messages today
        </h2>
        <dl className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-6">
          {(
            [
              ["Sent", today.sent + today.pending],
              ["Delivered", today.delivered],
              ["Read", today.read],
              ["Failed", today.failed],
              ["Received", today.received],
              ["Sent, 7 days", overview.sentLast7Days],
            ] as const
          ).map(([label, value]) => (
            <div key={label} className="rounded-xl border border-border bg-surface p-4">
              <dt className="text-sm text-muted">{label}</dt>
              <dd className={`text-2xl font-semibold tabular-nums ${label === "Failed" && value > 0 ? "text-danger" : ""}`}>
                {count.format(value)}
              </dd>
            </div>
          ))}
        </dl>
      </section>

      <div className="grid gap-6 lg:grid-cols-2">
        <section aria-labelledby="health" className="space-y-3">
          <h2 id="health" className="text-lg font-semibold">
            Channel health
          </h2>
          {channels.length === 0 ? (
            <p className="rounded-xl border border-dashed border-border p-5 text-sm text-muted">
              No WhatsApp number yet. <Link className="text-accent underline" href="/channels">Connect one</Link>.
            </p>
          ) : (
            <ul className="divide-y divide-border rounded-xl border border-border bg-surface">
              {channels.map((c) => (
                <li key={c.id} className="flex flex-wrap items-center justify-between gap-2 p-4">
                  <span>
                    <span className="font-medium">{c.display_phone_number}</span>{" "}
                    {c.is_default ? <Badge tone="accent">Default</Badge> : null}{" "}
                    {c.mode === "sandbox" ? <Badge tone="warning">Sandbox</Badge> : null}
                  </span>
                  <span className="flex items-center gap-2 text-sm">
                    {c.failed_today > 0 ? <span className="text-danger">{c.failed_today} failed in 24 h</span> : null}
                    <Badge tone={c.status === "connected" ? "success" : c.status === "token_expired" ? "danger" : "warning"}>
                      {c.status === "connected" ? "Connected" : c.status === "token_expired" ? "Token expired" : "Disconnected"}
                    </Badge>
                  </span>
                </li>
              ))}
            </ul>
          )}
        </section>
        <section aria-labelledby="recent" className="space-y-3">
          <h2 id="recent" className="text-lg font-semibold">
            Recent activity
          </h2>
          {activity.length === 0 ? (
            <p className="rounded-xl border border-dashed border-border p-5 text-sm text-muted">No messages yet.</p>
          ) : (
            <ul className="divide-y divide-border rounded-xl border border-border bg-surface">
              {activity.map((a) => (
                <li key={a.id} className="flex items-start justify-between gap-3 p-4 text-sm">
                  <span className="min-w-0">
                    <span className="font-medium">
                      {a.direction === "inbound" ? "From " : "To "}
                      {a.contact_id ? (
                        <Link className="underline decoration-border underline-offset-2" href={`/inbox?contact=${a.contact_id}`}>
                          {a.contact_label}
                        </Link>
                      ) : (
                        "unknown"
                      )}
                    </span>
                    <span className="block truncate text-muted">{a.text ?? a.type}</span>
                  </span>
                  <span className="shrink-0 text-right text-xs text-muted">
                    {a.direction === "outbound" ? <span className="block">{a.status}</span> : null}
                    {new Date(a.created_at).toLocaleTimeString("en-IN", { timeZone: DISPLAY_TIME_ZONE, hour: "2-digit", minute: "2-digit" })}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
    </div>
  );
}
