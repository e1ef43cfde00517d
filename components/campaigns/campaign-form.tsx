"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { api, RequestError } from "@/components/settings/api";
import { Button, Card, Field, Input, cx } from "@/components/ui";
import { indiaLocalToIso } from "@/components/time-zone";
import type { CampaignFormOptions, Quote } from "@/lib/campaigns/campaigns";
import { formatPaise } from "@/lib/money/format";

type Source = "name" | "phone" | "attribute" | "text";
interface VarState {
  source: Source;
  key: string;
  value: string;
  fallback: string;
}
type AudienceType = "tags" | "all" | "csv";

const selectClass = "w-full rounded-lg border border-border bg-surface-2 px-3 py-2 text-sm text-text focus:border-accent";

export function CampaignForm({ options }: { options: CampaignFormOptions }) {
  const router = useRouter();
  const [name, setName] = useState("");
  const [templateId, setTemplateId] = useState(options.templates[0]?.id ?? "");
  const template = options.templates.find((t) => t.id === templateId);
  const channels = options.channels.filter((c) => !template || c.waba_id === template.waba_id);
  const [channelId, setChannelId] = useState("");
  const channel = channels.find((c) => c.id === channelId) ?? channels[0];
  const [vars, setVars] = useState<VarState[]>(() => blankVars(template?.variables ?? 0));
  const [audience, setAudience] = useState<AudienceType>(options.tags.length ? "tags" : "all");
  const [tags, setTags] = useState<string[]>([]);
  const [csv, setCsv] = useState<{ name: string; text: string } | null>(null);
  const [when, setWhen] = useState<"now" | "later">("now");
  const [at, setAt] = useState("");
  const [quote, setQuote] = useState<Quote | null>(null);
  const [mode, setMode] = useState<"all" | "affordable">("all");
  const [busy, setBusy] = useState<null | "quote" | "draft" | "launch">(null);
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});

  const pickTemplate = (id: string) => {
    setTemplateId(id);
    setVars(blankVars(options.templates.find((t) => t.id === id)?.variables ?? 0));
    setQuote(null);
  };
  const setVar = (i: number, patch: Partial<VarState>) => {
    setVars((v) => v.map((x, j) => (j === i ? { ...x, ...patch } : x)));
    setQuote(null);
  };

  const buildBody = () => {
    const variables = vars.map((v) =>
      v.source === "text"
        ? { source: "text", value: v.value }
        : v.source === "attribute"
          ? { source: "attribute", key: v.key, ...(v.fallback ? { fallback: v.fallback } : {}) }
          : v.source === "name"
            ? { source: "name", ...(v.fallback ? { fallback: v.fallback } : {}) }
            : { source: "phone" },
    );
    const aud = audience === "tags" ? { type: "tags", tags } : audience === "csv" ? { type: "csv", csv: csv?.text ?? "" } : { type: "all" };
    return {
      name: name.trim() || "Untitled campaign",
      template_id: templateId,
      channel_id: channel?.id,
      variables,
      audience: aud,
      ...(when === "later" && at ? { scheduled_at: indiaLocalToIso(at) ?? at } : {}),
    };
  };

  async function submit(action: "quote" | "draft" | "launch") {
    setBusy(action);
    setError(null);
    setFields({});
    try {
      const res = await api<{ data?: { id: string }; quote: Quote }>("/api/v1/campaigns", { method: "POST", body: { ...buildBody(), action, mode } });
      setQuote(res.quote);
      if (res.data) router.push(`/campaigns/${res.data.id}`);
    } catch (err) {
      const e = err as RequestError;
      setError(e.message);
      setFields(e.fields ?? {});
    } finally {
      setBusy(null);
    }
  }

  if (!options.templates.length) {
    return (
      <Card>
        <p className="font-medium">No approved template yet</p>
        <p className="mt-1 text-sm text-muted">A campaign sends an approved WhatsApp template. Create one and wait for Meta to approve it, then come back.</p>
      </Card>
    );
  }

  const missingAudience = (audience === "tags" && !tags.length) || (audience === "csv" && !csv);
  const canLaunch = quote && quote.recipients > 0 && (quote.can_afford_all || (mode === "affordable" && quote.affordable_recipients > 0));

  return (
    <form
      className="space-y-5"
      onSubmit={(e) => {
        e.preventDefault();
        void submit("quote");
      }}
    >
      <Card className="space-y-4">
        <h2 className="text-lg font-semibold">Message</h2>
        <Field label="Campaign name" htmlFor="c-name" error={fields.name}>
          <Input id="c-name" value={name} maxLength={120} onChange={(e) => setName(e.target.value)} placeholder="Diwali offer" />
        </Field>
        <div className="grid gap-4 sm:grid-cols-2">
          <Field label="Template" htmlFor="c-template" error={fields.template_id}>
            <select id="c-template" className={selectClass} value={templateId} onChange={(e) => pickTemplate(e.target.value)}>
              {options.templates.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name} ({t.language})
                </option>
              ))}
            </select>
          </Field>
          <Field
            label="Send from"
            htmlFor="c-channel"
            hint={channel ? `${channel.throughput_mps} messages/s${channel.messaging_limit_tier ? `, up to ${channel.messaging_limit_tier.toLocaleString("en-IN")} people a day` : ""}` : undefined}
            error={channel ? undefined : "No connected number on this template's WhatsApp Business Account"}
          >
            <select id="c-channel" className={selectClass} value={channel?.id ?? ""} onChange={(e) => setChannelId(e.target.value)}>
              {channels.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.display_phone_number}
                </option>
              ))}
            </select>
          </Field>
        </div>
        {template ? (
          <div className="rounded-lg border border-border bg-surface-2 p-3 text-sm">
            <p className="text-xs font-medium uppercase tracking-wide text-muted">Preview</p>
            <p className="mt-1 whitespace-pre-wrap">{template.body || "(no body text)"}</p>
          </div>
        ) : null}
        {vars.length ? (
          <fieldset className="space-y-3">
            <legend className="text-sm font-medium">Variables</legend>
            {vars.map((v, i) => (
              <div key={i} className="grid items-end gap-2 sm:grid-cols-[5rem_1fr_1fr_1fr]">
                <span className="pb-2 font-mono text-sm text-muted">{`{{${i + 1}}}`}</span>
                <Field label="Value from" htmlFor={`v-src-${i}`}>
                  <select id={`v-src-${i}`} className={selectClass} value={v.source} onChange={(e) => setVar(i, { source: e.target.value as Source })}>
                    <option value="name">Contact name</option>
                    <option value="phone">Phone number</option>
                    <option value="attribute">Contact attribute</option>
                    <option value="text">Fixed text</option>
                  </select>
                </Field>
                {v.source === "attribute" ? (
                  <Field label="Attribute" htmlFor={`v-key-${i}`}>
                    <Input id={`v-key-${i}`} list="attr-keys" value={v.key} onChange={(e) => setVar(i, { key: e.target.value })} placeholder="city" />
                  </Field>
                ) : v.source === "text" ? (
                  <Field label="Text" htmlFor={`v-val-${i}`}>
                    <Input id={`v-val-${i}`} value={v.value} onChange={(e) => setVar(i, { value: e.target.value })} />
                  </Field>
                ) : (
                  <span />
                )}
                {v.source === "name" || v.source === "attribute" ? (
                  <Field label="If empty" htmlFor={`v-fb-${i}`}>
                    <Input id={`v-fb-${i}`} value={v.fallback} onChange={(e) => setVar(i, { fallback: e.target.value })} placeholder="there" />
                  </Field>
                ) : (
                  <span />
                )}
              </div>
            ))}
            <datalist id="attr-keys">
              {options.attributeKeys.map((k) => (
                <option key={k} value={k} />
              ))}
            </datalist>
          </fieldset>
        ) : null}
      </Card>

      <Card className="space-y-4">
        <h2 className="text-lg font-semibold">Audience</h2>
        <div role="radiogroup" aria-label="Audience" className="flex flex-wrap gap-2">
          {(
            [
              ["tags", "Contacts with tags"],
              ["all", `All contacts (${options.contacts.toLocaleString("en-IN")})`],
              ["csv", "Upload a CSV"],
            ] as const
          ).map(([value, label]) => (
            <label key={value} className={cx("cursor-pointer rounded-lg border px-3 py-2 text-sm", audience === value ? "border-accent bg-accent/10" : "border-border")}>
              <input
                type="radio"
                name="audience"
                className="mr-2"
                checked={audience === value}
                onChange={() => {
                  setAudience(value);
                  setQuote(null);
                }}
              />
              {label}
            </label>
          ))}
        </div>
        {audience === "tags" ? (
          options.tags.length ? (
            <fieldset className="flex flex-wrap gap-2">
              <legend className="sr-only">Tags</legend>
              {options.tags.map((t) => (
                <label key={t.tag} className={cx("cursor-pointer rounded-full border px-3 py-1 text-sm", tags.includes(t.tag) ? "border-accent bg-accent/10" : "border-border")}>
                  <input
                    type="checkbox"
                    className="mr-1.5"
                    checked={tags.includes(t.tag)}
                    onChange={(e) => {
                      setTags((x) => (e.target.checked ? [...x, t.tag] : x.filter((y) => y !== t.tag)));
                      setQuote(null);
                    }}
                  />
                  {t.tag} <span className="text-muted">({t.contacts})</span>
                </label>
              ))}
            </fieldset>
          ) : (
            <p className="text-sm text-muted">No contact has a tag yet. Tag contacts on the Contacts page, or upload a CSV.</p>
          )
        ) : null}
        {audience === "csv" ? (
          <Field label="CSV file" htmlFor="c-csv" hint='A header row with a "phone" column; "name" and any other columns can fill variables (attribute = column name).' error={fields["audience.csv"]}>
            <Input
              id="c-csv"
              type="file"
              accept=".csv,text/csv"
              onChange={async (e) => {
                const f = e.target.files?.[0];
                setQuote(null);
                setCsv(f ? { name: f.name, text: await f.text() } : null);
              }}
            />
          </Field>
        ) : null}
        <p className="text-xs text-muted">Contacts who opted out are never sent to; the report lists them as skipped.</p>
      </Card>

      <Card className="space-y-4">
        <h2 className="text-lg font-semibold">When</h2>
        <div className="flex flex-wrap items-center gap-4 text-sm">
          <label>
            <input type="radio" name="when" className="mr-2" checked={when === "now"} onChange={() => setWhen("now")} />
            Send now
          </label>
          <label>
            <input type="radio" name="when" className="mr-2" checked={when === "later"} onChange={() => setWhen("later")} />
            Schedule
          </label>
          {when === "later" ? (
            <span className="flex items-center gap-2">
              <Input type="datetime-local" aria-label="Send at (India time)" className="w-auto" value={at} onChange={(e) => setAt(e.target.value)} />
              <span className="text-muted">IST</span>
            </span>
          ) : null}
        </div>
      </Card>

      <Card className="space-y-4">
        <h2 className="text-lg font-semibold">Cost</h2>
        {quote ? (
          <div className="space-y-3" aria-live="polite">
            <dl className="grid grid-cols-2 gap-3 sm:grid-cols-4">
              <Stat label="Recipients" value={quote.recipients.toLocaleString("en-IN")} />
              <Stat label="Fee per message" value={formatPaise(quote.fee_paise)} />
              <Stat label="Total fee" value={formatPaise(quote.total_fee_paise)} />
              <Stat label="Wallet balance" value={formatPaise(quote.balance_paise)} tone={quote.can_afford_all ? undefined : "danger"} />
            </dl>
            <p className="text-sm text-muted">
              Skipped: {quote.skipped.opted_out} opted out, {quote.skipped.missing_variable} without a value for a variable
              {quote.skipped.duplicates ? `, ${quote.skipped.duplicates} duplicate numbers` : ""}
              {quote.skipped.rejected_rows ? `, ${quote.skipped.rejected_rows} CSV rows rejected` : ""}.
            </p>
            {quote.rejected.length ? (
              <details className="text-sm">
                <summary className="cursor-pointer text-muted">Rejected CSV rows</summary>
                <ul className="mt-2 space-y-1">
                  {quote.rejected.slice(0, 20).map((r) => (
                    <li key={r.row}>
                      Row {r.row}: “{r.value}” — {r.reason}
                    </li>
                  ))}
                </ul>
              </details>
            ) : null}
            {!quote.can_afford_all ? (
              <fieldset className="space-y-2 rounded-lg border border-warning/40 bg-warning/10 p-3 text-sm">
                <legend className="px-1 font-medium">The wallet cannot pay for everyone</legend>
                <label className="block">
                  <input type="radio" name="mode" className="mr-2" checked={mode === "all"} onChange={() => setMode("all")} />
                  Don’t launch until I recharge (needs {formatPaise(quote.total_fee_paise - quote.balance_paise)} more)
                </label>
                <label className="block">
                  <input type="radio" name="mode" className="mr-2" checked={mode === "affordable"} onChange={() => setMode("affordable")} disabled={!quote.affordable_recipients} />
                  Send to the first {quote.affordable_recipients.toLocaleString("en-IN")} the balance covers; skip the rest
                </label>
              </fieldset>
            ) : null}
          </div>
        ) : (
          <p className="text-sm text-muted">Check the cost to see how many people will get it and what it costs before you launch.</p>
        )}
        {error ? (
          <p role="alert" className="text-sm text-danger">
            {error}
          </p>
        ) : null}
        <div className="flex flex-wrap gap-2">
          <Button type="submit" variant="secondary" disabled={busy !== null || missingAudience || !channel}>
            {busy === "quote" ? "Checking…" : "Check cost"}
          </Button>
          <Button type="button" variant="secondary" disabled={busy !== null || missingAudience || !channel} onClick={() => void submit("draft")}>
            {busy === "draft" ? "Saving…" : "Save draft"}
          </Button>
          <Button type="button" disabled={busy !== null || !canLaunch} onClick={() => void submit("launch")}>
            {busy === "launch" ? "Launching…" : when === "later" ? "Schedule campaign" : "Launch campaign"}
          </Button>
        </div>
      </Card>
    </form>
  );
}

function blankVars(n: number): VarState[] {
  return Array.from({ length: n }, (_, i) => ({ source: i === 0 ? "name" : "text", key: "", value: "", fallback: i === 0 ? "there" : "" }) as VarState);
}

function Stat({ label, value, tone }: { label: string; value: string; tone?: "danger" }) {
  return (
    <div className="rounded-lg bg-surface-2 p-3">
      <dt className="text-xs text-muted">{label}</dt>
      <dd className={cx("mt-1 text-lg font-semibold tabular-nums", tone === "danger" && "text-danger")}>{value}</dd>
    </div>
  );
}
