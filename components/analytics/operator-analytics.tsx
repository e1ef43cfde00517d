"use client";

import { usePathname, useRouter } from "next/navigation";
import { useTransition } from "react";
import { Badge, Card } from "@/components/ui";
import type { OperatorAnalytics } from "@/lib/analytics/operator";
import { formatPaise } from "@/lib/money/format";
import { DailyChart } from "./daily-chart";
import { formatCount, formatRate, longDay, rupeeTick } from "./format";
import { RangePicker } from "./range-picker";

/** The operator console's analytics: revenue, messages and active organizations per day; top organizations. */
export function OperatorAnalyticsSection({ data, notice }: { data: OperatorAnalytics; notice: string | null }) {
  const router = useRouter();
  const pathname = usePathname();
  const [pending, startTransition] = useTransition();
  const t = data.totals;

  return (
    <section aria-labelledby="operator-analytics" className="space-y-4" aria-busy={pending}>
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h2 id="operator-analytics" className="text-lg font-semibold">
            Platform analytics
          </h2>
          <p className="text-sm text-muted">
            {longDay(data.range.from)} to {longDay(data.range.to)}, by day in India time (IST). Revenue is the service fees of
            each day&apos;s messages, net of refunds.
          </p>
        </div>
        <RangePicker
          value={data.range}
          onChange={(r) => startTransition(() => router.push(`${pathname}?from=${r.from}&to=${r.to}`, { scroll: false }))}
        />
      </div>
      {notice ? (
        <p role="status" className="rounded-lg border border-warning/40 bg-warning/10 px-4 py-2 text-sm text-warning">
          {notice}
        </p>
      ) : null}

      <div className={pending ? "space-y-4 opacity-60" : "space-y-4"}>
        <div className="grid grid-cols-2 gap-3 md:grid-cols-4">
          {[
            ["Revenue", formatPaise(t.revenue_paise)],
            ["Outbound messages", formatCount(t.outbound)],
            ["Inbound messages", formatCount(t.inbound)],
            ["Active organizations", formatCount(t.active_orgs)],
          ].map(([label, value]) => (
            <Card key={label} className="p-4">
              <p className="text-xs font-medium text-muted">{label}</p>
              <p className="mt-1 text-2xl font-semibold tabular-nums">{value}</p>
            </Card>
          ))}
        </div>

        <DailyChart
          title="Revenue from service fees per day"
          kind="bar"
          data={data.days}
          series={[{ key: "revenue_paise", label: "Revenue", color: "var(--chart-fees)" }]}
          format={formatPaise}
          axisFormat={rupeeTick}
          summary={`${formatPaise(t.revenue_paise)} over ${data.range.days} days.`}
        />
        <div className="grid gap-4 lg:grid-cols-2">
          <DailyChart
            title="Messages per day"
            kind="bar"
            stacked
            data={data.days}
            series={[
              { key: "outbound", label: "Outbound", color: "var(--chart-sent)" },
              { key: "inbound", label: "Inbound", color: "var(--chart-inbound)" },
            ]}
            summary={`${formatCount(t.outbound)} outbound and ${formatCount(t.inbound)} inbound messages.`}
          />
          <DailyChart
            title="Active organizations per day"
            kind="line"
            data={data.days}
            series={[{ key: "active_orgs", label: "Active organizations", color: "var(--chart-active)" }]}
            summary={`${formatCount(t.active_orgs)} organization${t.active_orgs === 1 ? "" : "s"} sent at least one message in the period.`}
          />
        </div>

        <section className="rounded-xl border border-border bg-surface">
          <h3 className="px-5 pt-5 text-base font-semibold">Top organizations by fees</h3>
          <div className="mt-3 overflow-x-auto" tabIndex={0} role="region" aria-label="Top organizations by fees">
            <table className="w-full min-w-[560px] text-left text-sm">
              <caption className="sr-only">Organizations with messages in the period, highest fees first</caption>
              <thead className="border-y border-border bg-surface-2 text-xs text-muted">
                <tr>
                  <th scope="col" className="px-5 py-2 font-medium">Organization</th>
                  <th scope="col" className="px-3 py-2 text-right font-medium">Fees</th>
                  <th scope="col" className="px-3 py-2 text-right font-medium">Outbound</th>
                  <th scope="col" className="px-3 py-2 text-right font-medium">Delivery rate</th>
                  <th scope="col" className="px-5 py-2 text-right font-medium">Inbound</th>
                </tr>
              </thead>
              <tbody>
                {data.orgs.map((o) => (
                  <tr key={o.id} className="border-b border-border last:border-0">
                    <th scope="row" className="px-5 py-2.5 font-medium">
                      {o.name} {o.status === "suspended" ? <Badge tone="danger">suspended</Badge> : null}
                    </th>
                    <td className="px-3 py-2.5 text-right tabular-nums">{formatPaise(o.fees_paise)}</td>
                    <td className="px-3 py-2.5 text-right tabular-nums">{formatCount(o.outbound)}</td>
                    <td className="px-3 py-2.5 text-right tabular-nums">{formatRate(o.delivery_rate)}</td>
                    <td className="px-5 py-2.5 text-right tabular-nums">{formatCount(o.inbound)}</td>
                  </tr>
                ))}
                {data.orgs.length === 0 ? (
                  <tr>
                    <td colSpan={5} className="px-5 py-4 text-muted">
                      No messages in this period.
                    </td>
                  </tr>
                ) : null}
              </tbody>
            </table>
          </div>
        </section>
      </div>
    </section>
  );
}
