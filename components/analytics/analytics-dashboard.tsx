"use client";

import { useSearchParams } from "next/navigation";
import { useState } from "react";
import useSWR from "swr";
import { Card, EmptyState, PageHeader } from "@/components/ui";
import type { OrgAnalytics } from "@/lib/analytics/org";
import { formatPaise } from "@/lib/money/format";
import { DailyChart } from "./daily-chart";
import { formatCount, formatRate, longDay, rupeeTick } from "./format";
import { RangePicker, type DayRange } from "./range-picker";
import { AnalyticsSkeleton } from "./skeleton";

interface Query extends DayRange {
  channelId: string | null;
}

function toSearch(q: Query): string {
  const p = new URLSearchParams({ from: q.from, to: q.to });
  if (q.channelId) p.set("channel_id", q.channelId);
  return p.toString();
}

async function fetchAnalytics(url: string): Promise<OrgAnalytics> {
  const res = await fetch(url, { headers: { accept: "application/json" } });
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new Error(body?.error?.message ?? `The figures could not be loaded (HTTP ${res.status}).`);
  return body.data as OrgAnalytics;
}

/**
 * The organization's analytics. The range and channel live in the URL (shareable, back button);
 * the server renders the first view, SWR fetches /api/analytics when they change.
 */
export function AnalyticsDashboard({
  initial,
  channels,
  notice,
}: {
  initial: OrgAnalytics;
  channels: Array<{ id: string; name: string }>;
  /** Why the URL's range was not used (shown once, above the figures). */
  notice: string | null;
}) {
  const params = useSearchParams();
  // When the server could not use the URL's range (notice), show what it showed until the user picks again.
  const [followUrl, setFollowUrl] = useState(!notice);
  const query: Query = followUrl
    ? {
        from: params.get("from") || initial.range.from,
        to: params.get("to") || initial.range.to,
        channelId: params.get("channel_id") || initial.range.channel_id,
      }
    : { from: initial.range.from, to: initial.range.to, channelId: initial.range.channel_id };
  const initialKey = `/api/analytics?${toSearch({ from: initial.range.from, to: initial.range.to, channelId: initial.range.channel_id })}`;
  const key = `/api/analytics?${toSearch(query)}`;
  const { data, error, isValidating } = useSWR(key, fetchAnalytics, {
    fallbackData: key === initialKey ? initial : undefined,
    revalidateOnMount: key !== initialKey,
    revalidateOnFocus: false,
    keepPreviousData: true,
  });

  const go = (q: Query) => {
    setFollowUrl(true);
    window.history.pushState(null, "", `?${toSearch(q)}`);
  };
  const shown = data ?? null;

  return (
    <div className="max-w-6xl space-y-6">
      <PageHeader
        title="Analytics"
        description={`Messages, delivery and spend from ${longDay(query.from)} to ${longDay(query.to)}, by day in India time (IST).`}
        actions={
          <a
            href={`/api/analytics/export.csv?${toSearch(query)}`}
            download
            className="inline-flex items-center gap-2 rounded-lg border border-border bg-surface-2 px-4 py-2 text-sm font-medium text-text hover:bg-surface-3"
          >
            Export CSV
          </a>
        }
      />

      <div className="flex flex-wrap items-end justify-between gap-3">
        <RangePicker value={query} onChange={(r) => go({ ...query, ...r })} />
        <label className="text-xs text-muted">
          Channel
          <select
            value={query.channelId ?? ""}
            onChange={(e) => go({ ...query, channelId: e.target.value || null })}
            className="mt-1 block w-full min-w-48 rounded-lg border border-border bg-surface-2 px-2 py-2 text-sm text-text"
          >
            <option value="">All channels</option>
            {channels.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
      </div>

      {notice && !followUrl ? (
        <p role="status" className="rounded-lg border border-warning/40 bg-warning/10 px-4 py-2 text-sm text-warning">
          {notice}
        </p>
      ) : null}
      {error ? (
        <p role="alert" className="rounded-lg border border-danger/40 bg-danger/10 px-4 py-2 text-sm text-danger">
          {(error as Error).message}
        </p>
      ) : null}

      <div aria-live="polite" className="sr-only">
        {isValidating ? "Updating figures…" : ""}
      </div>
      {!shown ? (
        <AnalyticsSkeleton withHeader={false} />
      ) : (
        <div className={isValidating ? "opacity-60 transition-opacity" : "transition-opacity"} aria-busy={isValidating}>
          <Figures a={shown} />
        </div>
      )}

      <details className="rounded-xl border border-border bg-surface p-4 text-sm">
        <summary className="cursor-pointer font-medium">How these figures are counted</summary>
        <ul className="mt-3 list-disc space-y-1.5 pl-5 text-muted">
          <li>Days are calendar days in India time (Asia/Kolkata, IST), whatever your computer&apos;s time zone.</li>
          <li>
            A message counts on the day it was created (queued to send, or received), under the furthest status it has
            reached so far. A message sent on Monday and read on Tuesday counts as read, on Monday.
          </li>
          <li>
            <strong className="text-text">Sent</strong> = accepted by WhatsApp (sent, delivered or read).{" "}
            <strong className="text-text">Delivered</strong> includes read. <strong className="text-text">Pending</strong>{" "}
            messages are still on their way and count in neither.
          </li>
          <li>
            <strong className="text-text">Delivery rate</strong> = delivered ÷ (sent + failed).{" "}
            <strong className="text-text">Read rate</strong> = read ÷ delivered.
          </li>
          <li>
            <strong className="text-text">Fees spent</strong> = service fees charged for those messages less the ones
            refunded (a later refund lowers the day the message was sent).{" "}
            <strong className="text-text">Recharges</strong> are wallet top-ups, for the whole organization whatever
            channel is chosen.
          </li>
        </ul>
      </details>
    </div>
  );
}

function Kpi({ label, value, sub }: { label: string; value: string; sub: string }) {
  return (
    <Card className="p-4">
      <p className="text-xs font-medium text-muted">{label}</p>
      <p className="mt-1 text-2xl font-semibold tabular-nums">{value}</p>
      <p className="mt-0.5 text-xs text-muted">{sub}</p>
    </Card>
  );
}

function Figures({ a }: { a: OrgAnalytics }) {
  const t = a.totals;
  if (!a.has_data) {
    return (
      <EmptyState title="No messages in this period">
        Nothing was sent or received between {longDay(a.range.from)} and {longDay(a.range.to)}
        {a.range.channel_id ? " on this channel" : ""}. Pick a longer range, or send a message from the Inbox to see
        figures here.
      </EmptyState>
    );
  }
  const attempted = t.sent + t.failed;
  const failRate = attempted > 0 ? t.failed / attempted : null;
  return (
    <div className="space-y-6">
      <section aria-label="Totals for the period" className="grid grid-cols-2 gap-3 md:grid-cols-4">
        <Kpi label="Sent" value={formatCount(t.sent)} sub={`${formatCount(t.outbound)} outbound · ${formatCount(t.pending)} pending`} />
        <Kpi label="Delivery rate" value={formatRate(t.delivery_rate)} sub={`${formatCount(t.delivered)} delivered`} />
        <Kpi label="Read rate" value={formatRate(t.read_rate)} sub={`${formatCount(t.read)} read`} />
        <Kpi label="Failed" value={formatCount(t.failed)} sub={`${formatRate(failRate)} of attempts`} />
        <Kpi label="Inbound" value={formatCount(t.inbound)} sub="messages received" />
        <Kpi label="Fees spent" value={formatPaise(t.fees_paise)} sub="net of refunds" />
        <Kpi
          label="Recharges"
          value={formatPaise(t.recharges_paise)}
          sub={`${formatCount(t.recharges)} top-up${t.recharges === 1 ? "" : "s"} · whole organization`}
        />
      </section>

      <DailyChart
        title="Outbound messages per day"
        kind="line"
        data={a.days}
        series={[
          { key: "sent", label: "Sent", color: "var(--chart-sent)" },
          { key: "delivered", label: "Delivered", color: "var(--chart-delivered)", dash: "6 3" },
          { key: "read", label: "Read", color: "var(--chart-read)", dash: "2 3" },
          { key: "failed", label: "Failed", color: "var(--chart-failed)", dash: "10 4 2 4" },
        ]}
        summary={`${formatCount(t.sent)} sent, ${formatCount(t.delivered)} delivered (${formatRate(t.delivery_rate)}), ${formatCount(t.read)} read (${formatRate(t.read_rate)}) and ${formatCount(t.failed)} failed over ${a.range.days} days.`}
      />

      <div className="grid gap-6 lg:grid-cols-2">
        <DailyChart
          title="Inbound messages per day"
          kind="bar"
          data={a.days}
          series={[{ key: "inbound", label: "Inbound", color: "var(--chart-inbound)" }]}
          summary={`${formatCount(t.inbound)} messages received over ${a.range.days} days.`}
        />
        <DailyChart
          title="Fees per day"
          kind="bar"
          data={a.days}
          series={[{ key: "fees_paise", label: "Fees", color: "var(--chart-fees)" }]}
          format={formatPaise}
          axisFormat={rupeeTick}
          summary={`${formatPaise(t.fees_paise)} in service fees, net of refunds, over ${a.range.days} days.`}
        />
      </div>

      <section className="rounded-xl border border-border bg-surface">
        <h2 className="px-5 pt-5 text-base font-semibold">By channel</h2>
        {/* Focusable so keyboard users can scroll the table sideways on narrow screens. */}
        <div className="mt-3 overflow-x-auto" tabIndex={0} role="region" aria-label="Figures per channel">
          <table className="w-full min-w-[640px] text-left text-sm">
            <caption className="sr-only">Figures per channel for the period</caption>
            <thead className="border-y border-border bg-surface-2 text-xs text-muted">
              <tr>
                <th scope="col" className="px-5 py-2 font-medium">Channel</th>
                <th scope="col" className="px-3 py-2 text-right font-medium">Sent</th>
                <th scope="col" className="px-3 py-2 text-right font-medium">Delivered</th>
                <th scope="col" className="px-3 py-2 text-right font-medium">Read</th>
                <th scope="col" className="px-3 py-2 text-right font-medium">Failed</th>
                <th scope="col" className="px-3 py-2 text-right font-medium">Inbound</th>
                <th scope="col" className="px-5 py-2 text-right font-medium">Fees</th>
              </tr>
            </thead>
            <tbody>
              {a.channels.map((c) => (
                <tr key={c.id ?? "none"} className="border-b border-border last:border-0">
                  <th scope="row" className="px-5 py-2.5 font-medium">{c.name}</th>
                  <td className="px-3 py-2.5 text-right tabular-nums">{formatCount(c.sent)}</td>
                  <td className="px-3 py-2.5 text-right tabular-nums">
                    {formatCount(c.delivered)} <span className="text-xs text-muted">{formatRate(c.delivery_rate)}</span>
                  </td>
                  <td className="px-3 py-2.5 text-right tabular-nums">
                    {formatCount(c.read)} <span className="text-xs text-muted">{formatRate(c.read_rate)}</span>
                  </td>
                  <td className="px-3 py-2.5 text-right tabular-nums">{formatCount(c.failed)}</td>
                  <td className="px-3 py-2.5 text-right tabular-nums">{formatCount(c.inbound)}</td>
                  <td className="px-5 py-2.5 text-right tabular-nums">{formatPaise(c.fees_paise)}</td>
                </tr>
              ))}
              {a.channels.length === 0 ? (
                <tr>
                  <td colSpan={7} className="px-5 py-4 text-muted">No channels connected.</td>
                </tr>
              ) : null}
            </tbody>
          </table>
        </div>
      </section>
    </div>
  );
}
