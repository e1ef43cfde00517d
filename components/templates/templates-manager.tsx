"use client";

import { useState } from "react";
import useSWR from "swr";
import { api, RequestError } from "@/components/settings/api";
import { Badge, Button, Card, EmptyState, Field, Input } from "@/components/ui";
import { TemplatePreview } from "./preview";
import { fetchAllTemplates, variableCount, type TemplateComponentView, type TemplateView } from "./types";

const STATUS_TONE: Record<string, "success" | "warning" | "danger" | "neutral"> = {
  APPROVED: "success",
  PENDING: "warning",
  IN_APPEAL: "warning",
  REJECTED: "danger",
  PAUSED: "danger",
  DISABLED: "danger",
};
const LANGUAGES = [
  ["en_US", "English (US)"],
  ["en", "English"],
  ["en_GB", "English (UK)"],
  ["hi", "Hindi"],
  ["mr", "Marathi"],
  ["ta", "Tamil"],
  ["te", "Telugu"],
  ["bn", "Bengali"],
] as const;
const selectClass = "w-full rounded-lg border border-border bg-surface-2 px-3 py-2 text-sm";

interface ButtonDraft {
  type: "QUICK_REPLY" | "URL" | "PHONE_NUMBER";
  text: string;
  value: string;
  example: string;
}
const EMPTY = {
  name: "",
  category: "UTILITY",
  language: "en_US",
  header: "",
  headerExample: "",
  body: "",
  bodyExamples: [] as string[],
  footer: "",
  buttons: [] as ButtonDraft[],
};
type Draft = typeof EMPTY;

/** The draft in Meta's component shape (what POST /api/v1/templates takes). */
function toComponents(d: Draft): TemplateComponentView[] & Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  if (d.header.trim()) {
    out.push({
      type: "HEADER",
      format: "TEXT",
      text: d.header,
      ...(variableCount(d.header) ? { example: { header_text: [d.headerExample] } } : {}),
    });
  }
  const n = variableCount(d.body);
  out.push({ type: "BODY", text: d.body, ...(n ? { example: { body_text: [Array.from({ length: n }, (_, i) => d.bodyExamples[i] ?? "")] } } : {}) });
  if (d.footer.trim()) out.push({ type: "FOOTER", text: d.footer });
  if (d.buttons.length) {
    out.push({
      type: "BUTTONS",
      buttons: d.buttons.map((b) =>
        b.type === "URL"
          ? { type: "URL", text: b.text, url: b.value, ...(variableCount(b.value) ? { example: [b.example] } : {}) }
          : b.type === "PHONE_NUMBER"
            ? { type: "PHONE_NUMBER", text: b.text, phone_number: b.value }
            : { type: "QUICK_REPLY", text: b.text },
      ),
    });
  }
  return out as TemplateComponentView[] & Array<Record<string, unknown>>;
}

function CreateForm({ onCreated }: { onCreated: (t: TemplateView) => void }) {
  const [d, setD] = useState<Draft>(EMPTY);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string>();
  const [busy, setBusy] = useState(false);
  const set = (k: keyof Draft) => (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>) => setD({ ...d, [k]: e.target.value });
  const bodyVars = variableCount(d.body);
  const components = toComponents(d);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setErrors({});
    setMessage(undefined);
    setBusy(true);
    try {
      const res = await api<{ data: TemplateView }>("/api/v1/templates", {
        method: "POST",
        body: { name: d.name, category: d.category, language: d.language, components },
      });
      setD(EMPTY);
      onCreated(res.data);
    } catch (err) {
      if (err instanceof RequestError) {
        const fields: Record<string, string> = {};
        const rest: string[] = [];
        for (const [path, msg] of Object.entries(err.fields)) {
          if (["name", "category", "language"].includes(path)) fields[path] = msg;
          else rest.push(msg);
        }
        setErrors(fields);
        setMessage(rest.length ? rest.join("; ") : Object.keys(fields).length ? undefined : err.message);
      } else setMessage("Network error: the template was not created.");
    } finally {
      setBusy(false);
    }
  }

  const setButton = (i: number, patch: Partial<ButtonDraft>) => setD({ ...d, buttons: d.buttons.map((b, j) => (j === i ? { ...b, ...patch } : b)) });

  return (
    <form onSubmit={submit} noValidate className="grid gap-6 lg:grid-cols-[1fr_20rem]">
      <div className="grid gap-3 sm:grid-cols-2">
        <Field label="Name" htmlFor="tpl-name" error={errors.name} hint="Lowercase letters, digits and underscores.">
          <Input id="tpl-name" value={d.name} onChange={set("name")} placeholder="shipping_update" aria-invalid={Boolean(errors.name)} />
        </Field>
        <div className="grid grid-cols-2 gap-2">
          <Field label="Category" htmlFor="tpl-category" error={errors.category}>
            <select id="tpl-category" value={d.category} onChange={set("category")} className={selectClass}>
              <option value="UTILITY">Utility</option>
              <option value="MARKETING">Marketing</option>
              <option value="AUTHENTICATION">Authentication</option>
            </select>
          </Field>
          <Field label="Language" htmlFor="tpl-language" error={errors.language}>
            <select id="tpl-language" value={d.language} onChange={set("language")} className={selectClass}>
              {LANGUAGES.map(([code, label]) => (
                <option key={code} value={code}>
                  {label}
                </option>
              ))}
            </select>
          </Field>
        </div>
        <Field label="Header (optional)" htmlFor="tpl-header" hint="Up to 60 characters; may use one variable, {{1}}.">
          <Input id="tpl-header" value={d.header} maxLength={60} onChange={set("header")} placeholder="Order {{1}}" />
        </Field>
        {variableCount(d.header) ? (
          <Field label="Header example for {{1}}" htmlFor="tpl-header-example">
            <Input id="tpl-header-example" value={d.headerExample} onChange={set("headerExample")} placeholder="#1042" />
          </Field>
        ) : (
          <div className="hidden sm:block" />
        )}
        <div className="sm:col-span-2">
          <Field label="Body" htmlFor="tpl-body" hint="Use {{1}}, {{2}}, … for values you fill in when sending.">
            <textarea id="tpl-body" value={d.body} onChange={set("body")} rows={4} maxLength={1024} className={selectClass} placeholder="Hi {{1}}, your order {{2}} has shipped." />
          </Field>
        </div>
        {Array.from({ length: bodyVars }, (_, i) => (
          <Field key={i} label={`Body example for {{${i + 1}}}`} htmlFor={`tpl-example-${i}`}>
            <Input
              id={`tpl-example-${i}`}
              value={d.bodyExamples[i] ?? ""}
              onChange={(e) => {
                const next = [...d.bodyExamples];
                next[i] = e.target.value;
                setD({ ...d, bodyExamples: next });
              }}
            />
          </Field>
        ))}
        <div className="sm:col-span-2">
          <Field label="Footer (optional)" htmlFor="tpl-footer">
            <Input id="tpl-footer" value={d.footer} maxLength={60} onChange={set("footer")} placeholder="Reply STOP to opt out" />
          </Field>
        </div>
        <fieldset className="space-y-2 sm:col-span-2">
          <legend className="text-sm font-medium">Buttons (optional)</legend>
          {d.buttons.map((b, i) => (
            <div key={i} className="grid gap-2 rounded-lg border border-border p-2 sm:grid-cols-[9rem_1fr_1fr_auto]">
              <label className="sr-only" htmlFor={`btn-type-${i}`}>
                Button {i + 1} type
              </label>
              <select id={`btn-type-${i}`} value={b.type} onChange={(e) => setButton(i, { type: e.target.value as ButtonDraft["type"] })} className={selectClass}>
                <option value="QUICK_REPLY">Quick reply</option>
                <option value="URL">Website</option>
                <option value="PHONE_NUMBER">Call</option>
              </select>
              <label className="sr-only" htmlFor={`btn-text-${i}`}>
                Button {i + 1} text
              </label>
              <Input id={`btn-text-${i}`} value={b.text} maxLength={25} placeholder="Button text" onChange={(e) => setButton(i, { text: e.target.value })} />
              {b.type === "QUICK_REPLY" ? (
                <span />
              ) : (
                <>
                  <label className="sr-only" htmlFor={`btn-value-${i}`}>
                    Button {i + 1} {b.type === "URL" ? "URL" : "phone number"}
                  </label>
                  <Input
                    id={`btn-value-${i}`}
                    value={b.value}
                    placeholder={b.type === "URL" ? "https://shop.example/track/{{1}}" : "+919876543210"}
                    onChange={(e) => setButton(i, { value: e.target.value })}
                  />
                </>
              )}
              <Button type="button" variant="ghost" onClick={() => setD({ ...d, buttons: d.buttons.filter((_, j) => j !== i) })}>
                Remove
              </Button>
              {b.type === "URL" && variableCount(b.value) ? (
                <div className="sm:col-span-4">
                  <label className="sr-only" htmlFor={`btn-example-${i}`}>
                    Button {i + 1} example URL suffix
                  </label>
                  <Input id={`btn-example-${i}`} value={b.example} placeholder="Example for {{1}} in the URL" onChange={(e) => setButton(i, { example: e.target.value })} />
                </div>
              ) : null}
            </div>
          ))}
          {d.buttons.length < 3 ? (
            <Button type="button" variant="secondary" onClick={() => setD({ ...d, buttons: [...d.buttons, { type: "QUICK_REPLY", text: "", value: "", example: "" }] })}>
              Add button
            </Button>
          ) : null}
        </fieldset>
        <div className="flex items-center gap-3 sm:col-span-2">
          <Button type="submit" disabled={busy}>
            {busy ? "Submitting…" : "Submit for approval"}
          </Button>
        </div>
        {message ? (
          <p role="alert" className="text-sm text-danger sm:col-span-2">
            {message}
          </p>
        ) : null}
      </div>
      <div>
        <p className="mb-2 text-sm font-medium">Preview</p>
        <TemplatePreview components={components} headerValues={[d.headerExample]} bodyValues={d.bodyExamples} label="Preview of the new template" />
      </div>
    </form>
  );
}

function bodyText(t: TemplateView) {
  return t.components.find((c) => c.type === "BODY")?.text ?? "";
}

export function TemplatesManager({ canEdit }: { canEdit: boolean }) {
  // Poll while anything waits for Meta's verdict, so PENDING turns APPROVED without a reload.
  const { data, error, isLoading, mutate } = useSWR<{ data: TemplateView[] }>("/api/v1/templates", fetchAllTemplates, {
    refreshInterval: (latest) => (latest?.data.some((t) => t.status === "PENDING") ? 1500 : 30_000),
  });
  const [notice, setNotice] = useState<string>();
  const [syncing, setSyncing] = useState(false);

  async function sync() {
    setSyncing(true);
    try {
      const res = await api<{ data: Array<{ fetched: number; deleted: number }> }>("/api/v1/templates/sync", { method: "POST", body: {} });
      const fetched = res.data.reduce((n, r) => n + r.fetched, 0);
      const deleted = res.data.reduce((n, r) => n + r.deleted, 0);
      setNotice(`Synced from Meta: ${fetched} template${fetched === 1 ? "" : "s"}${deleted ? `, ${deleted} no longer at Meta` : ""}.`);
      await mutate();
    } catch (err) {
      setNotice(err instanceof Error ? err.message : "Sync failed.");
    } finally {
      setSyncing(false);
    }
  }

  async function remove(t: TemplateView) {
    if (!confirm(`Delete the template “${t.name}” (${t.language}) at Meta? This cannot be undone.`)) return;
    try {
      await api(`/api/v1/templates/${t.id}`, { method: "DELETE" });
      setNotice(`“${t.name}” deleted.`);
      await mutate();
    } catch (err) {
      setNotice(err instanceof Error ? err.message : "Delete failed.");
    }
  }

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <p role="status" aria-live="polite" className="text-sm text-muted">
          {notice}
        </p>
        {canEdit ? (
          <Button variant="secondary" onClick={() => void sync()} disabled={syncing}>
            {syncing ? "Syncing…" : "Sync from Meta"}
          </Button>
        ) : null}
      </div>
      <section aria-label="Templates" className="space-y-3">
        {isLoading ? (
          <div className="h-24 animate-pulse rounded-xl bg-surface-2" aria-busy="true" />
        ) : error ? (
          <p role="alert" className="text-sm text-danger">
            Could not load templates: {error.message}
          </p>
        ) : !data?.data.length ? (
          <EmptyState title="No templates yet">Create one below; Meta reviews it, usually within minutes.</EmptyState>
        ) : (
          <ul className="grid gap-3 md:grid-cols-2">
            {data.data.map((t) => (
              <li key={t.id}>
                <Card className="h-full">
                  <div className="flex flex-wrap items-start justify-between gap-2">
                    <div className="min-w-0">
                      <p className="font-semibold break-all">{t.name}</p>
                      <p className="text-xs text-muted">
                        {t.language} · {t.category.toLowerCase()}
                      </p>
                    </div>
                    <Badge tone={STATUS_TONE[t.status] ?? "neutral"}>{t.status.toLowerCase().replace("_", " ")}</Badge>
                  </div>
                  <p className="mt-2 line-clamp-3 whitespace-pre-wrap text-sm">{bodyText(t)}</p>
                  {t.status === "REJECTED" ? (
                    <p className="mt-2 text-sm text-danger">Rejected by Meta: {t.rejected_reason ?? "no reason given"}</p>
                  ) : null}
                  {canEdit ? (
                    <div className="mt-3">
                      <Button variant="ghost" onClick={() => void remove(t)} aria-label={`Delete ${t.name} (${t.language})`}>
                        Delete
                      </Button>
                    </div>
                  ) : null}
                </Card>
              </li>
            ))}
          </ul>
        )}
      </section>
      {canEdit ? (
        <Card>
          <h2 className="mb-4 text-lg font-semibold">New template</h2>
          <CreateForm
            onCreated={(t) => {
              setNotice(`“${t.name}” submitted to Meta: pending review.`);
              void mutate();
            }}
          />
        </Card>
      ) : (
        <p className="text-sm text-muted">Only owners and admins can create or delete templates.</p>
      )}
    </div>
  );
}
