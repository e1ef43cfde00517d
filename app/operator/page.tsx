import type { Metadata } from "next";
import Link from "next/link";
import { requirePagePlatformAdmin } from "@/app/_server/page-caller";
import { OperatorAnalyticsSection } from "@/components/analytics/operator-analytics";
import { OrgActions } from "@/components/operator/org-actions";
import { Badge, Card, EmptyState, PageHeader } from "@/components/ui";
import { withService } from "@/lib/db/tx";
import { formatPaise } from "@/lib/money/format";
import { operatorAnalytics } from "@/lib/analytics/operator";
import { operatorQuerySchema } from "@/lib/analytics/range";
import { describeZodError } from "@/lib/http/errors";
import { listOrganizations } from "@/lib/operator/operator";

export const metadata: Metadata = { title: "Operator console" };

export default async function OperatorPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requirePagePlatformAdmin();
  const sp = await searchParams;
  const one = (k: string) => (Array.isArray(sp[k]) ? sp[k][0] : sp[k]);
  const parsed = operatorQuerySchema.safeParse({ from: one("from"), to: one("to") });
  const notice = parsed.success ? null : `${describeZodError(parsed.error)}. Showing the last 30 days instead.`;
  const { orgs, analytics } = await withService(async (db) => ({
    orgs: await listOrganizations(db),
    analytics: await operatorAnalytics(db, parsed.success ? parsed.data : operatorQuerySchema.parse({})),
  }));
  const monthFees = orgs.reduce((s, o) => s + o.fees_this_month_paise, 0);

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
      <OperatorAnalyticsSection data={analytics} notice={notice} />
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
