import type { Metadata } from "next";
import Link from "next/link";
import { requirePagePlatformAdmin } from "@/app/_server/page-caller";
import { OrgActions } from "@/components/operator/org-actions";
import { Badge, Card, EmptyState, PageHeader } from "@/components/ui";
import { withService } from "@/lib/db/tx";
import { formatPaise } from "@/lib/money/format";
import { listOrganizations, revenueByDay } from "@/lib/operator/operator";

export const metadata: Metadata = { title: "Operator console" };

export default async function OperatorPage() {
  await requirePagePlatformAdmin();
  const { orgs, revenue } = await withService(async (db) => ({
    orgs: await listOrganizations(db),
    revenue: await revenueByDay(db, 30),
  }));
  const max = Math.max(1, ...revenue.map((d) => d.fees_paise));
  const monthFees = orgs.reduce((s, o) => s + o.fees_this_month_paise, 0);
  const days = [...revenue].reverse();

  return (
    <main className="mx-auto max-w-6xl space-y-6 p-4 md:p-8">
      <PageHeader
        title="Operator console"
        description="Every organization on the platform, their balances, fees and revenue."
        actions={
          <Link href="/dashboard" className="rounded-lg border border-border px-3 py-2 text-sm hover:bg-surface-2">
            Back to app
          </Link>
        }
      />
      <div className="grid gap-4 sm:grid-cols-3">
        <Card>
          <p className="text-sm text-muted">Organizations</p>
          <p className="text-2xl font-semibold">{orgs.length}</p>
        </Card>
        <Card>
          <p className="text-sm text-muted">Active this month</p>
          <p className="text-2xl font-semibold">{orgs.filter((o) => o.messages_this_month > 0).length}</p>
        </Card>
        <Card>
          <p className="text-sm text-muted">Service-fee revenue this month</p>
          <p className="text-2xl font-semibold">{formatPaise(monthFees)}</p>
        </Card>
      </div>
      <Card>
        <h2 className="mb-4 text-lg font-semibold">Revenue from service fees, last 30 days</h2>
        <div className="flex h-40 items-end gap-1" role="img" aria-label="Daily service-fee revenue for the last 30 days">
          {days.map((d) => (
            <div
              key={d.day}
              title={`${d.day}: ${formatPaise(d.fees_paise)} from ${d.messages} messages`}
              className="flex-1 rounded-t bg-accent"
              style={{ height: `${Math.max(2, (d.fees_paise / max) * 100)}%`, opacity: d.fees_paise ? 1 : 0.25 }}
            />
          ))}
        </div>
        <div className="mt-2 flex justify-between text-xs text-muted">
          <span>{days[0]?.day}</span>
          <span>{days.at(-1)?.day}</span>
        </div>
      </Card>
      <section className="space-y-3">
        <h2 className="text-lg font-semibold">Organizations</h2>
        {orgs.length === 0 ? <EmptyState title="No organizations yet" /> : null}
        {orgs.map((o) => (
          <Card key={o.id}>
            <div className="mb-4 flex flex-wrap items-center justify-between gap-2">
              <div>
                <p className="font-semibold">
                  {o.name} <Badge tone={o.status === "active" ? "success" : "danger"}>{o.status}</Badge>
                </p>
                <p className="font-mono text-xs text-muted">{o.id}</p>
              </div>
              <dl className="flex gap-6 text-sm">
                <div>
                  <dt className="text-muted">Balance</dt>
                  <dd className="font-semibold">{formatPaise(o.balance_paise)}</dd>
                </div>
                <div>
                  <dt className="text-muted">Messages (month)</dt>
                  <dd className="font-semibold">{o.messages_this_month}</dd>
                </div>
                <div>
                  <dt className="text-muted">Fees (month)</dt>
                  <dd className="font-semibold">{formatPaise(o.fees_this_month_paise)}</dd>
                </div>
              </dl>
            </div>
            <OrgActions org={o} />
          </Card>
        ))}
      </section>
    </main>
  );
}
