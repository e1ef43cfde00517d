"use client";

import Link from "next/link";
import { useState } from "react";
import useSWR from "swr";
import { api, fetcher } from "@/components/settings/api";
import { Button, Card, EmptyState, PageHeader, cx } from "@/components/ui";
import { formatMediumDateTime } from "@/components/time-zone";
import type { CampaignRow, Progress, ReportRow } from "@/lib/campaigns/campaigns";
import { CampaignStatusBadge } from "./status";
import { formatPaise } from "@/lib/money/format";

type Campaign = CampaignRow & { progress: Progress };

// The bar's segments, in the order a message moves through them.
const SEGMENTS = [
  { key: "read", label: "Read", className: "bg-accent" },
  { key: "delivered", label: "Delivered", className: "bg-success" },
  { key: "sent", label: "Sent", className: "bg-success/60" },
  { key: "sending", label: "Sending", className: "bg-warning/70" },
  { key: "failed", label: "Failed", className: "bg-danger" },
  { key: "skipped", label: "Skipped", className: "bg-muted/50" },
  { key: "queued", label: "Queued", className: "bg-surface-3" },
] as const;

const FILTERS = ["all", "queued", "sending", "sent", "delivered", "read", "failed", "skipped"] as const;

export function CampaignDetail({ initial, canEdit }: { initial: Campaign; canEdit: boolean }) {
  const live = (s: string) => s === "running" || s === "scheduled";
  const { data, mutate } = useSWR<{ data: Campaign }>(`/api/v1/campaigns/${initial.id}`, fetcher, {
    fallbackData: { data: initial },
    refreshInterval: (d) => (d && (live(d.data.status) || d.data.progress.sending > 0) ? 1500 : 0),
  });
  const c = data?.data ?? initial;
  const p = c.progress;
  const [busy, setBusy] = useState<string | null>(null);
  const [message, setMessage] = useState<{ tone: "ok" | "error"; text: string } | null>(null);

  async function act(action: "pause" | "resume" | "cancel" | "launch") {
    if (action === "cancel" && !window.confirm("Cancel this campaign? Recipients not yet sent will be skipped.")) return;
    setBusy(action);
    setMessage(null);
    try {
      await api(`/api/v1/campaigns/${c.id}/${action}`, { method: "POST", body: action === "launch" ? {} : undefined });
      await mutate();
      setMessage({ tone: "ok", text: { pause: "Paused.", resume: "Resumed.", cancel: "Cancelled.", launch: "Launched." }[action] });
    } catch (err) {
      setMessage({ tone: "error", text: (err as Error).message });
    } finally {
      setBusy(null);
    }
  }

  const done = p.sent + p.delivered + p.read + p.failed + p.skipped;
  const pct = p.total ? Math.round((done / p.total) * 100) : 0;
  return (
    <div className="max-w-5xl space-y-5">
      <PageHeader
        title={c.name}
        description={`Template ${c.template_name} (${c.template_language}) · ${p.total.toLocaleString("en-IN")} recipients`}
        actions={
          <>
            <Link href="/campaigns" className="inline-flex items-center rounded-lg border border-border bg-surface-2 px-4 py-2 text-sm font-medium hover:bg-surface-3">
              All campaigns
            </Link>
            <a href={`/api/v1/campaigns/${c.id}/report.csv`} className="inline-flex items-center rounded-lg border border-border bg-surface-2 px-4 py-2 text-sm font-medium hover:bg-surface-3">
              Export CSV
            </a>
          </>
        }
      />
      <Card className="space-y-4">
        <div className="flex flex-wrap items-center justify-between gap-3">
          <div className="flex items-center gap-3">
            <CampaignStatusBadge status={c.status} />
            <span className="text-sm text-muted">
              {c.status === "scheduled" && c.scheduled_at
                ? `Starts ${formatMediumDateTime(c.scheduled_at)} IST`
                : `${pct}% done`}
            </span>
          </div>
          {canEdit ? (
            <div className="flex flex-wrap gap-2">
              {c.status === "draft" ? (
                <Button onClick={() => void act("launch")} disabled={busy !== null}>
                  Launch
                </Button>
              ) : null}
              {live(c.status) ? (
                <Button variant="secondary" onClick={() => void act("pause")} disabled={busy !== null}>
                  Pause
                </Button>
              ) : null}
              {c.status === "paused" ? (
                <Button onClick={() => void act("resume")} disabled={busy !== null}>
                  Resume
                </Button>
              ) : null}
              {c.status !== "completed" && c.status !== "cancelled" ? (
                <Button variant="danger" onClick={() => void act("cancel")} disabled={busy !== null}>
                  Cancel
                </Button>
              ) : null}
            </div>
          ) : null}
        </div>
        {c.blocked_reason ? (
          <p role="status" className="rounded-lg border border-warning/40 bg-warning/10 p-3 text-sm">
            {c.blocked_reason}
          </p>
        ) : null}
        {message ? (
          <p role={message.tone === "error" ? "alert" : "status"} className={cx("text-sm", message.tone === "error" ? "text-danger" : "text-success")}>
            {message.text}
          </p>
        ) : null}
        <div
          className="flex h-4 w-full overflow-hidden rounded-full bg-surface-3"
          role="progressbar"
          aria-label="Campaign progress"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={pct}
        >
          {SEGMENTS.filter((s) => s.key !== "queued").map((s) =>
            p[s.key] ? <div key={s.key} className={cx("h-full transition-all", s.className)} style={{ width: `${(p[s.key] / Math.max(1, p.total)) * 100}%` }} /> : null,
          )}
        </div>
        <dl className="grid grid-cols-2 gap-3 sm:grid-cols-4 lg:grid-cols-8">
          {SEGMENTS.map((s) => (
            <div key={s.key} className="rounded-lg bg-surface-2 p-3">
              <dt className="flex items-center gap-1.5 text-xs text-muted">
                <span className={cx("inline-block h-2 w-2 rounded-full", s.className)} aria-hidden="true" />
                {s.label}
              </dt>
              <dd className="mt-1 text-lg font-semibold tabular-nums">{p[s.key].toLocaleString("en-IN")}</dd>
            </div>
          ))}
          <div className="rounded-lg bg-surface-2 p-3">
            <dt className="text-xs text-muted">Fees kept</dt>
            <dd className="mt-1 text-lg font-semibold tabular-nums">{formatPaise(p.fees_paise)}</dd>
          </div>
        </dl>
        {p.refunded_paise ? <p className="text-xs text-muted">{formatPaise(p.refunded_paise)} refunded for messages we or Meta could not send.</p> : null}
      </Card>
      <Report id={c.id} version={done} />
    </div>
  );
}

function Report({ id, version }: { id: string; version: number }) {
  const [filter, setFilter] = useState<(typeof FILTERS)[number]>("all");
  const [after, setAfter] = useState<number[]>([0]);
  const cursor = after[after.length - 1];
  const { data, error, isLoading } = useSWR<{ data: ReportRow[]; next_after: number | null }>(
    `/api/campaigns/${id}/recipients?after=${cursor}&limit=50${filter === "all" ? "" : `&status=${filter}`}&v=${Math.floor(version / 50)}`,
    fetcher,
    { keepPreviousData: true },
  );
  return (
    <Card className="space-y-3">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 className="text-lg font-semibold">Recipients</h2>
        <label className="flex items-center gap-2 text-sm">
          <span className="text-muted">Show</span>
          <select
            className="rounded-lg border border-border bg-surface-2 px-2 py-1 text-sm"
            value={filter}
            onChange={(e) => {
              setFilter(e.target.value as (typeof FILTERS)[number]);
              setAfter([0]);
            }}
          >
            {FILTERS.map((f) => (
              <option key={f} value={f}>
                {f}
              </option>
            ))}
          </select>
        </label>
      </div>
      {error ? (
        <p role="alert" className="text-sm text-danger">
          Could not load the recipients: {(error as Error).message}
        </p>
      ) : isLoading && !data ? (
        <div className="h-40 animate-pulse rounded-lg bg-surface-2" aria-label="Loading recipients" />
      ) : !data?.data.length ? (
        <EmptyState title="No recipients here" />
      ) : (
        <div className="overflow-x-auto" tabIndex={0} role="region" aria-label="Recipients table">
          <table className="w-full text-sm">
            <thead className="text-left text-muted">
              <tr className="border-b border-border">
                <th scope="col" className="py-2 pr-3 font-medium">#</th>
                <th scope="col" className="py-2 pr-3 font-medium">Phone</th>
                <th scope="col" className="py-2 pr-3 font-medium">Name</th>
                <th scope="col" className="py-2 pr-3 font-medium">Status</th>
                <th scope="col" className="py-2 pr-3 font-medium">Reason</th>
                <th scope="col" className="py-2 text-right font-medium">Fee</th>
              </tr>
            </thead>
            <tbody>
              {data.data.map((r) => (
                <tr key={r.seq} className="border-b border-border last:border-0">
                  <td className="py-2 pr-3 tabular-nums text-muted">{r.seq}</td>
                  <td className="py-2 pr-3 tabular-nums">{r.phone}</td>
                  <td className="py-2 pr-3">{r.name ?? "—"}</td>
                  <td className="py-2 pr-3">{r.status}</td>
                  <td className="max-w-xs py-2 pr-3 text-muted">{r.reason ?? ""}</td>
                  <td className="py-2 text-right tabular-nums">{r.fee_paise ? `${formatPaise(r.fee_paise)}${r.refunded ? " refunded" : ""}` : "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="flex gap-2">
        <Button variant="secondary" disabled={after.length < 2} onClick={() => setAfter((a) => a.slice(0, -1))}>
          Previous
        </Button>
        <Button variant="secondary" disabled={!data?.next_after} onClick={() => data?.next_after && setAfter((a) => [...a, data.next_after!])}>
          Next
        </Button>
      </div>
    </Card>
  );
}
