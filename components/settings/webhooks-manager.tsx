"use client";

import { useEffect, useRef, useState } from "react";
import useSWR from "swr";
import useSWRInfinite from "swr/infinite";
import { Badge, Button, EmptyState, Field, Input } from "@/components/ui";
import { DISPLAY_TIME_ZONE, formatMediumDateTime, sameIndiaDay } from "@/components/time-zone";
import { api, fetcher, RequestError } from "./api";

// Outbound webhooks: endpoints of the tenant's own systems, their signing secrets (shown once),
// test events and the delivery log. Talks to /api/settings/webhooks/*.

type EventType = "message.received" | "message.status" | "wallet.low_balance";
type DeliveryStatus = "pending" | "succeeded" | "failed" | "dead";

interface Endpoint {
  id: string;
  url: string;
  description: string | null;
  events: EventType[];
  enabled: boolean;
  created_at: string;
  secret_rotated_at: string | null;
  previous_secret_expires_at: string | null;
  last_delivery: { status: DeliveryStatus; at: string; status_code: number | null } | null;
}

interface Delivery {
  id: number;
  event_id: string;
  event_type: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: string | null;
  last_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  last_response_snippet: string | null;
  created_at: string;
  delivered_at: string | null;
  payload: unknown;
}

const EVENTS: Array<{ type: EventType; help: string }> = [
  { type: "message.received", help: "A customer sent you a message" },
  { type: "message.status", help: "A message you sent was sent, delivered, read or failed" },
  { type: "wallet.low_balance", help: "The wallet balance fell below your alert threshold" },
];

const STATUS_TONE = { succeeded: "success", failed: "warning", dead: "danger", pending: "neutral" } as const;
const STATUS_LABEL: Record<DeliveryStatus, string> = {
  succeeded: "delivered",
  failed: "retrying",
  dead: "gave up",
  pending: "queued",
};

const when = (s: string | null) => (s ? formatMediumDateTime(s) : "—");
/** Today's times as "1:42 pm", older ones with their date (India time). */
const short = (s: string | null) => {
  if (!s) return "—";
  const d = new Date(s);
  return sameIndiaDay(d, new Date())
    ? d.toLocaleTimeString("en-IN", { timeZone: DISPLAY_TIME_ZONE, timeStyle: "short" })
    : d.toLocaleString("en-IN", { timeZone: DISPLAY_TIME_ZONE, day: "numeric", month: "short", hour: "numeric", minute: "2-digit" });
};

/** The receiver's answer in one line: HTTP code, or the reason there was none. */
function answerOf(d: Delivery): string {
  if (d.last_status_code) return `HTTP ${d.last_status_code}`;
  return d.last_error ?? "—";
}

function CopySecret({ secret, title, onDismiss }: { secret: string; title: string; onDismiss: () => void }) {
  const [copied, setCopied] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  // The form that produced the secret may be far below: bring the secret into view and focus Copy.
  useEffect(() => {
    box.current?.scrollIntoView({ block: "center" });
    box.current?.querySelector("button")?.focus({ preventScroll: true });
  }, [secret]);
  return (
    <div ref={box} className="rounded-lg border border-accent bg-accent/10 p-4" role="status">
      <p className="font-medium">{title}</p>
      <p className="mt-1 text-sm text-muted">Copy it now: it will not be shown again. Use it to check the X-Webhook-Signature header.</p>
      <div className="mt-2 flex flex-wrap items-center gap-2">
        <code className="break-all rounded bg-surface-2 px-2 py-1 font-mono text-sm" data-testid="webhook-secret">
          {secret}
        </code>
        <Button
          variant="secondary"
          onClick={async () => {
            await navigator.clipboard?.writeText(secret).catch(() => undefined);
            setCopied(true);
          }}
        >
          {copied ? "Copied" : "Copy"}
        </Button>
        <Button variant="ghost" onClick={onDismiss}>
          Done
        </Button>
      </div>
    </div>
  );
}

function DeliveryLog({ endpointId }: { endpointId: string }) {
  const [status, setStatus] = useState<"" | DeliveryStatus>("");
  const [notice, setNotice] = useState<string>();
  const [busy, setBusy] = useState<number>();
  const base = `/api/settings/webhooks/${endpointId}/deliveries?limit=20${status ? `&status=${status}` : ""}`;
  const { data, error, size, setSize, mutate, isLoading } = useSWRInfinite<{ data: Delivery[]; next_cursor: string | null }>(
    (i, prev) => (i === 0 ? base : prev?.next_cursor ? `${base}&cursor=${prev.next_cursor}` : null),
    fetcher,
    { refreshInterval: 5000 },
  );
  const rows = data?.flatMap((p) => p.data) ?? [];
  const more = Boolean(data?.[data.length - 1]?.next_cursor);

  async function retry(d: Delivery) {
    setBusy(d.id);
    setNotice(undefined);
    try {
      const r = await api<Delivery>(`/api/settings/webhooks/deliveries/${d.id}/retry`, { method: "POST" });
      setNotice(r.status === "succeeded" ? `Delivered ${d.event_id} (HTTP ${r.last_status_code}).` : `Retry failed: ${r.last_error ?? r.status}.`);
      await mutate();
    } catch (err) {
      setNotice(err instanceof Error ? err.message : "Could not retry.");
    } finally {
      setBusy(undefined);
    }
  }

  return (
    <div className="mt-3 space-y-3">
      <div className="flex flex-wrap items-center gap-2">
        <label htmlFor={`status-${endpointId}`} className="text-sm text-muted">
          Show
        </label>
        <select
          id={`status-${endpointId}`}
          value={status}
          onChange={(e) => setStatus(e.target.value as "" | DeliveryStatus)}
          className="rounded-lg border border-border bg-surface-2 px-2 py-1 text-sm"
        >
          <option value="">all deliveries</option>
          <option value="succeeded">delivered</option>
          <option value="failed">retrying</option>
          <option value="dead">gave up</option>
          <option value="pending">queued</option>
        </select>
      </div>
      {isLoading ? (
        <div className="h-16 animate-pulse rounded-lg bg-surface-2" aria-busy="true" />
      ) : error ? (
        <p className="text-sm text-danger">Could not load deliveries: {error.message}</p>
      ) : rows.length ? (
        <>
        <ul className="divide-y divide-border rounded-lg border border-border sm:hidden">
          {rows.map((d) => (
            <li key={d.id} className="space-y-1 p-3 text-sm">
              <div className="flex items-center justify-between gap-2">
                <span className="font-medium">{d.event_type}</span>
                <Badge tone={STATUS_TONE[d.status]}>{STATUS_LABEL[d.status]}</Badge>
              </div>
              <div className="truncate font-mono text-xs text-muted" title={d.event_id}>
                {d.event_id}
              </div>
              <div className="text-xs text-muted">
                {short(d.created_at)} · {d.attempts} {d.attempts === 1 ? "attempt" : "attempts"} ·{" "}
                <span className={d.status === "succeeded" ? undefined : "text-danger"}>{answerOf(d)}</span>
                {d.status === "failed" && d.next_attempt_at ? ` · next at ${short(d.next_attempt_at)}` : ""}
              </div>
              <Button variant="secondary" className="px-3 py-1" disabled={busy === d.id} onClick={() => retry(d)} aria-label={`Retry ${d.event_id}`}>
                {busy === d.id ? "Sending…" : d.status === "succeeded" ? "Resend" : "Retry"}
              </Button>
            </li>
          ))}
        </ul>
        <div className="hidden overflow-x-auto rounded-lg border border-border sm:block">
          <table className="w-full text-left text-sm">
            <thead className="bg-surface-2 text-muted">
              <tr>
                <th className="p-2 font-medium">Event</th>
                <th className="p-2 font-medium">Status</th>
                <th className="p-2 font-medium">Attempts</th>
                <th className="p-2 font-medium">Last answer</th>
                <th className="p-2 font-medium">Created</th>
                <th className="p-2 font-medium">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-border">
              {rows.map((d) => (
                <tr key={d.id} className="align-top">
                  <td className="p-2">
                    <div className="font-medium">{d.event_type}</div>
                    <div className="max-w-44 truncate font-mono text-xs text-muted" title={d.event_id}>
                      {d.event_id}
                    </div>
                  </td>
                  <td className="p-2 whitespace-nowrap">
                    <Badge tone={STATUS_TONE[d.status]}>{STATUS_LABEL[d.status]}</Badge>
                    {d.status === "failed" && d.next_attempt_at ? (
                      <div className="mt-1 text-xs text-muted">next at {short(d.next_attempt_at)}</div>
                    ) : null}
                  </td>
                  <td className="p-2">{d.attempts}</td>
                  <td className="p-2">
                    {d.last_status_code ? <span className="font-mono">HTTP {d.last_status_code}</span> : null}
                    {d.last_error && d.last_error !== `HTTP ${d.last_status_code}` ? (
                      <div className="max-w-44 text-xs text-danger">{d.last_error}</div>
                    ) : null}
                    {d.last_response_snippet ? (
                      <div className="max-w-44 truncate font-mono text-xs text-muted" title={d.last_response_snippet}>
                        {d.last_response_snippet}
                      </div>
                    ) : null}
                    {!d.last_status_code && !d.last_error ? <span className="text-muted">—</span> : null}
                  </td>
                  <td className="p-2 whitespace-nowrap">{short(d.created_at)}</td>
                  <td className="p-2 text-right">
                    <Button variant="ghost" disabled={busy === d.id} onClick={() => retry(d)} aria-label={`Retry ${d.event_id}`}>
                      {busy === d.id ? "Sending…" : d.status === "succeeded" ? "Resend" : "Retry"}
                    </Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        </>
      ) : (
        <p className="text-sm text-muted">No deliveries{status ? ` with this status` : " yet"}. Send a test event to see one here.</p>
      )}
      {more ? (
        <Button variant="secondary" onClick={() => setSize(size + 1)}>
          Load older deliveries
        </Button>
      ) : null}
      <p role="status" className="text-sm text-muted">
        {notice}
      </p>
    </div>
  );
}

function EndpointRow({
  e,
  onChanged,
  onSecret,
}: {
  e: Endpoint;
  onChanged: () => Promise<unknown>;
  onSecret: (s: { secret: string; title: string }) => void;
}) {
  const [showLog, setShowLog] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string }>();
  const [busy, setBusy] = useState<string>();

  async function act(name: string, fn: () => Promise<void>) {
    setBusy(name);
    setResult(undefined);
    try {
      await fn();
    } catch (err) {
      setResult({ ok: false, text: err instanceof Error ? err.message : "Something went wrong." });
    } finally {
      setBusy(undefined);
    }
    await onChanged();
  }

  const test = () =>
    act("test", async () => {
      const d = await api<Delivery>(`/api/settings/webhooks/${e.id}/test`, { method: "POST" });
      setResult(
        d.status === "succeeded"
          ? { ok: true, text: `Test event delivered: your endpoint answered HTTP ${d.last_status_code}.` }
          : { ok: false, text: `Test event failed: ${d.last_error ?? d.status}.` },
      );
    });
  const toggle = () =>
    act("toggle", async () => {
      await api(`/api/settings/webhooks/${e.id}`, { method: "PATCH", body: { enabled: !e.enabled } });
    });
  const rotate = () => {
    if (!confirm("Create a new signing secret? The current one keeps working for 24 hours so you can update your receiver.")) return;
    void act("rotate", async () => {
      const r = await api<{ secret: string }>(`/api/settings/webhooks/${e.id}/rotate-secret`, { method: "POST" });
      onSecret({ secret: r.secret, title: `New signing secret for ${e.url}` });
    });
  };
  const remove = () => {
    if (!confirm(`Delete the endpoint ${e.url}? Its delivery log is deleted too.`)) return;
    void act("delete", async () => {
      await api(`/api/settings/webhooks/${e.id}`, { method: "DELETE" });
    });
  };

  return (
    <li className="p-4">
      <div className="space-y-3">
        <div className="min-w-0 space-y-1">
          <div className="flex flex-wrap items-center gap-2">
            <span className="break-all font-mono text-sm">{e.url}</span>
            <Badge tone={e.enabled ? "success" : "neutral"}>{e.enabled ? "enabled" : "disabled"}</Badge>
          </div>
          {e.description ? <p className="text-sm text-muted">{e.description}</p> : null}
          <div className="flex flex-wrap gap-1">
            {e.events.map((t) => (
              <Badge key={t} tone="accent">
                {t}
              </Badge>
            ))}
          </div>
          <p className="text-xs text-muted">
            {e.last_delivery ? (
              <>
                Last delivery: {STATUS_LABEL[e.last_delivery.status]}
                {e.last_delivery.status_code ? ` (HTTP ${e.last_delivery.status_code})` : ""} · {when(e.last_delivery.at)}
              </>
            ) : (
              "No deliveries yet"
            )}
            {e.previous_secret_expires_at ? ` · previous secret valid until ${when(e.previous_secret_expires_at)}` : ""}
          </p>
        </div>
        <div className="flex flex-wrap gap-2">
          <Button variant="secondary" onClick={test} disabled={busy === "test"}>
            {busy === "test" ? "Sending…" : "Send test event"}
          </Button>
          <Button variant="secondary" onClick={() => setShowLog(!showLog)} aria-expanded={showLog}>
            {showLog ? "Hide deliveries" : "Deliveries"}
          </Button>
          <Button variant="ghost" onClick={rotate} disabled={busy === "rotate"}>
            Rotate secret
          </Button>
          <Button variant="ghost" onClick={toggle} disabled={busy === "toggle"}>
            {e.enabled ? "Disable" : "Enable"}
          </Button>
          <Button variant="ghost" onClick={remove} disabled={busy === "delete"} className="text-danger">
            Delete
          </Button>
        </div>
      </div>
      <p role="status" className={result ? `mt-2 text-sm ${result.ok ? "text-success" : "text-danger"}` : "sr-only"}>
        {result?.text}
      </p>
      {showLog ? <DeliveryLog endpointId={e.id} /> : null}
    </li>
  );
}

export function WebhooksManager() {
  const { data, error, mutate, isLoading } = useSWR<{ data: Endpoint[] }>("/api/settings/webhooks", fetcher);
  const [url, setUrl] = useState("");
  const [description, setDescription] = useState("");
  const [events, setEvents] = useState<EventType[]>(["message.received", "message.status"]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formMessage, setFormMessage] = useState<string>();
  const [secret, setSecret] = useState<{ secret: string; title: string }>();
  const [saving, setSaving] = useState(false);

  async function create(ev: React.FormEvent) {
    ev.preventDefault();
    setErrors({});
    setFormMessage(undefined);
    setSaving(true);
    try {
      const r = await api<Endpoint & { secret: string }>("/api/settings/webhooks", {
        method: "POST",
        body: { url, events, description: description || undefined },
      });
      setSecret({ secret: r.secret, title: `Signing secret for ${r.url}` });
      setUrl("");
      setDescription("");
      await mutate();
    } catch (err) {
      if (err instanceof RequestError) {
        // "events.0" (an unknown type) belongs to the events group.
        const fields: Record<string, string> = {};
        for (const [k, v] of Object.entries(err.fields)) fields[k.split(".")[0]] ??= v;
        setErrors(fields);
        if (!Object.keys(fields).length) setFormMessage(err.message);
      } else setFormMessage("Could not add the endpoint.");
    } finally {
      setSaving(false);
    }
  }

  return (
    <div className="space-y-5">
      {secret ? <CopySecret {...secret} onDismiss={() => setSecret(undefined)} /> : null}

      {isLoading ? (
        <div className="h-16 animate-pulse rounded-lg bg-surface-2" aria-busy="true" />
      ) : error ? (
        <p className="text-sm text-danger">Could not load webhook endpoints: {error.message}</p>
      ) : data?.data.length ? (
        <ul className="divide-y divide-border rounded-lg border border-border">
          {data.data.map((e) => (
            <EndpointRow key={e.id} e={e} onChanged={mutate} onSecret={setSecret} />
          ))}
        </ul>
      ) : (
        <EmptyState title="No webhook endpoints yet">Add one to receive messages, delivery statuses and wallet alerts in your own systems.</EmptyState>
      )}

      <form onSubmit={create} className="space-y-3 rounded-lg border border-border p-4" noValidate>
        <h3 className="font-medium">Add an endpoint</h3>
        <Field label="Endpoint URL" htmlFor="webhook-url" error={errors.url} hint="A public https URL of your server">
          <Input
            id="webhook-url"
            type="url"
            inputMode="url"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            placeholder="https://example.com/webhooks/whatsapp"
            aria-invalid={Boolean(errors.url)}
            aria-describedby={errors.url ? "webhook-url-error" : undefined}
          />
        </Field>
        <Field label="Description (optional)" htmlFor="webhook-description" error={errors.description}>
          <Input id="webhook-description" value={description} onChange={(e) => setDescription(e.target.value)} placeholder="CRM" />
        </Field>
        <fieldset aria-describedby={errors.events ? "webhook-events-error" : undefined}>
          <legend className="text-sm font-medium">Events</legend>
          <div className="mt-1 space-y-2">
            {EVENTS.map((ev) => (
              <label key={ev.type} className="flex items-start gap-2 text-sm">
                <input
                  type="checkbox"
                  className="mt-0.5 h-4 w-4 accent-[var(--accent)]"
                  checked={events.includes(ev.type)}
                  onChange={(e) => setEvents(e.target.checked ? [...events, ev.type] : events.filter((t) => t !== ev.type))}
                />
                <span>
                  <span className="font-mono">{ev.type}</span>
                  <span className="block text-xs text-muted">{ev.help}</span>
                </span>
              </label>
            ))}
          </div>
          {errors.events ? (
            <p id="webhook-events-error" role="alert" className="mt-1 text-xs text-danger">
              {errors.events}
            </p>
          ) : null}
        </fieldset>
        <div className="flex flex-wrap items-center gap-3">
          <Button type="submit" disabled={saving}>
            {saving ? "Adding…" : "Add endpoint"}
          </Button>
          <p role="status" className="text-sm text-danger">
            {formMessage}
          </p>
        </div>
      </form>

      <details className="rounded-lg bg-surface-2 p-3 text-sm">
        <summary className="cursor-pointer font-medium">How to verify a delivery</summary>
        <div className="mt-2 space-y-2 text-muted">
          <p>
            Each POST carries <code className="font-mono">X-Webhook-Id</code> (the event id: the same on retries, so deduplicate on
            it), <code className="font-mono">X-Webhook-Timestamp</code> (unix seconds) and{" "}
            <code className="font-mono">X-Webhook-Signature: v1=&lt;hex&gt;</code>.
          </p>
          <p>
            Compute HMAC-SHA256 with your secret over <code className="font-mono">&lt;timestamp&gt;.&lt;raw body&gt;</code>, compare
            it with a constant-time comparison to any v1 value, and reject timestamps more than 5 minutes old. Answer 2xx within 10
            seconds; anything else is retried with growing delays for 24 hours.
          </p>
        </div>
      </details>
    </div>
  );
}
