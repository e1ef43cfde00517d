"use client";

import Link from "next/link";
import { useState } from "react";
import useSWR from "swr";
import { Button, Field, Input } from "@/components/ui";
import { formatPaise } from "@/lib/money/format";
import { TemplatePreview } from "./preview";
import { fetchAllTemplates, variableCount, type TemplateView } from "./types";

const selectClass = "w-full rounded-lg border border-border bg-surface px-3 py-2 text-sm";

/** The send body's components for a template and the values typed in (Meta's send shape). */
function sendComponents(t: TemplateView, header: string[], body: string[], buttons: Record<number, string>, media: string) {
  const out: Array<Record<string, unknown>> = [];
  const h = t.components.find((c) => c.type === "HEADER");
  if (h?.format && h.format !== "TEXT") {
    const kind = h.format.toLowerCase();
    out.push({ type: "header", parameters: [{ type: kind, [kind]: { link: media } }] });
  } else if (variableCount(h?.text)) {
    out.push({ type: "header", parameters: header.slice(0, variableCount(h?.text)).map((text) => ({ type: "text", text })) });
  }
  const n = variableCount(t.components.find((c) => c.type === "BODY")?.text);
  if (n) out.push({ type: "body", parameters: Array.from({ length: n }, (_, i) => ({ type: "text", text: body[i] ?? "" })) });
  for (const [index, text] of Object.entries(buttons)) {
    out.push({ type: "button", sub_type: "url", index: String(index), parameters: [{ type: "text", text }] });
  }
  return out;
}

/**
 * The inbox's answer to a closed 24-hour window: pick an approved template, fill in its
 * variables, see it as the customer will, and send it through POST /api/v1/messages (type template).
 */
export function TemplatePicker({ toWaId, channelId, feePaise, onSent }: { toWaId: string; channelId: string | null; feePaise: number; onSent: () => void }) {
  // Only the conversation channel's WABA: Meta refuses a template of another WABA.
  const { data, error, isLoading } = useSWR<{ data: TemplateView[] }>(
    channelId ? `/api/v1/templates?status=APPROVED&channel_id=${channelId}` : null,
    fetchAllTemplates,
  );
  const [id, setId] = useState("");
  const [header, setHeader] = useState<string[]>([]);
  const [body, setBody] = useState<string[]>([]);
  const [buttons, setButtons] = useState<Record<number, string>>({});
  const [media, setMedia] = useState("");
  const [busy, setBusy] = useState(false);
  const [sendError, setSendError] = useState<{ message: string; code?: string }>();

  const templates = data?.data ?? [];
  const t = templates.find((x) => x.id === id);
  const h = t?.components.find((c) => c.type === "HEADER");
  const headerVars = h && (!h.format || h.format === "TEXT") ? variableCount(h.text) : 0;
  const mediaHeader = h?.format && h.format !== "TEXT" ? h.format.toLowerCase() : null;
  const bodyVars = variableCount(t?.components.find((c) => c.type === "BODY")?.text);
  const urlButtons = (t?.components.find((c) => c.type === "BUTTONS")?.buttons ?? [])
    .map((b, index) => ({ b, index }))
    .filter(({ b }) => b.type === "URL" && variableCount(b.url) > 0);
  const complete =
    t &&
    Array.from({ length: headerVars }, (_, i) => header[i]?.trim()).every(Boolean) &&
    Array.from({ length: bodyVars }, (_, i) => body[i]?.trim()).every(Boolean) &&
    urlButtons.every(({ index }) => buttons[index]?.trim()) &&
    (!mediaHeader || media.trim());

  function choose(next: string) {
    setId(next);
    setHeader([]);
    setBody([]);
    setButtons({});
    setMedia("");
    setSendError(undefined);
  }

  async function send(e: React.FormEvent) {
    e.preventDefault();
    if (!t || !complete) return;
    setBusy(true);
    setSendError(undefined);
    try {
      const res = await fetch("/api/v1/messages", {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": crypto.randomUUID() },
        body: JSON.stringify({
          to: `+${toWaId}`,
          type: "template",
          ...(channelId ? { channel_id: channelId } : {}),
          template: { name: t.name, language: { code: t.language }, components: sendComponents(t, header, body, buttons, media) },
        }),
      });
      if (!res.ok) {
        const b = await res.json().catch(() => null);
        setSendError({ message: b?.error?.message ?? `Could not send (${res.status}).`, code: b?.error?.code });
      } else {
        choose("");
        onSent();
      }
    } catch {
      setSendError({ message: "Network error: the template was not sent." });
    } finally {
      setBusy(false);
    }
  }

  if (!channelId) {
    return (
      <p className="text-sm text-muted">
        No WhatsApp number to send from. <Link href="/channels" className="underline">Connect a channel</Link> first.
      </p>
    );
  }
  if (isLoading) return <div className="h-10 animate-pulse rounded-lg bg-surface" aria-busy="true" />;
  if (error) return <p role="alert" className="text-sm text-danger">Could not load templates: {error.message}</p>;
  if (!templates.length) {
    return (
      <p className="text-sm text-muted">
        No approved templates for this number&apos;s WhatsApp Business Account yet. <Link href="/templates" className="underline">Create one under Templates</Link>; Meta reviews it first.
      </p>
    );
  }
  return (
    <form onSubmit={send} className="space-y-3" noValidate>
      <Field label="Template" htmlFor="template-pick">
        <select id="template-pick" value={id} onChange={(e) => choose(e.target.value)} className={selectClass}>
          <option value="">Choose an approved template…</option>
          {templates.map((x) => (
            <option key={x.id} value={x.id}>
              {x.name} ({x.language})
            </option>
          ))}
        </select>
      </Field>
      {t ? (
        <div className="grid gap-3 md:grid-cols-2">
          <div className="space-y-2">
            {mediaHeader ? (
              <Field label={`Header ${mediaHeader} link`} htmlFor="tpl-media">
                <Input id="tpl-media" value={media} onChange={(e) => setMedia(e.target.value)} placeholder="https://…" />
              </Field>
            ) : null}
            {Array.from({ length: headerVars }, (_, i) => (
              <Field key={`h${i}`} label={`Header {{${i + 1}}}`} htmlFor={`tpl-h-${i}`}>
                <Input id={`tpl-h-${i}`} value={header[i] ?? ""} onChange={(e) => setHeader(Object.assign([...header], { [i]: e.target.value }))} />
              </Field>
            ))}
            {Array.from({ length: bodyVars }, (_, i) => (
              <Field key={`b${i}`} label={`Body {{${i + 1}}}`} htmlFor={`tpl-b-${i}`} hint={t.components.find((c) => c.type === "BODY")?.example?.body_text?.[0]?.[i] ? `e.g. ${t.components.find((c) => c.type === "BODY")?.example?.body_text?.[0]?.[i]}` : undefined}>
                <Input id={`tpl-b-${i}`} value={body[i] ?? ""} onChange={(e) => setBody(Object.assign([...body], { [i]: e.target.value }))} />
              </Field>
            ))}
            {urlButtons.map(({ b, index }) => (
              <Field key={`u${index}`} label={`“${b.text}” link ending`} htmlFor={`tpl-u-${index}`} hint={b.url}>
                <Input id={`tpl-u-${index}`} value={buttons[index] ?? ""} onChange={(e) => setButtons({ ...buttons, [index]: e.target.value })} />
              </Field>
            ))}
            {!headerVars && !bodyVars && !urlButtons.length && !mediaHeader ? <p className="text-sm text-muted">This template has no variables.</p> : null}
          </div>
          <TemplatePreview components={t.components} headerValues={header} bodyValues={body} label="Preview of the template message" />
        </div>
      ) : null}
      {sendError ? (
        <p role="alert" className="text-sm text-danger">
          {sendError.message}{" "}
          {sendError.code === "insufficient_balance" ? (
            <Link href="/wallet" className="underline">
              Recharge the wallet
            </Link>
          ) : null}
        </p>
      ) : null}
      <div className="flex flex-wrap items-center gap-3">
        <Button type="submit" disabled={busy || !complete}>
          {busy ? "Sending…" : "Send template"}
        </Button>
        <span className="text-xs text-muted">Costs {formatPaise(feePaise)} from your wallet; refunded if it fails on our or Meta&apos;s side.</span>
      </div>
    </form>
  );
}
