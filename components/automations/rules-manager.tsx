"use client";

import { useState } from "react";
import useSWR from "swr";
import { Badge, Button, Card, EmptyState, Field, Input } from "@/components/ui";
import { api, fetcher, RequestError } from "@/components/settings/api";

type MatchType = "exact" | "contains" | "starts_with";
interface Rule {
  id: string;
  name: string;
  match_type: MatchType;
  keyword: string;
  reply_text: string;
  priority: number;
  enabled: boolean;
}
const MATCH_LABEL: Record<MatchType, string> = { exact: "is exactly", contains: "contains", starts_with: "starts with" };
const EMPTY = { name: "", match_type: "contains" as MatchType, keyword: "", reply_text: "", priority: "100" };

function RuleForm({ initial, onDone, onCancel }: { initial?: Rule; onDone: () => void; onCancel?: () => void }) {
  const [form, setForm] = useState(
    initial ? { ...initial, priority: String(initial.priority) } : { ...EMPTY },
  );
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string>();
  const id = initial?.id ?? "new";

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setErrors({});
    setMessage(undefined);
    const body = {
      name: form.name,
      match_type: form.match_type,
      keyword: form.keyword,
      reply_text: form.reply_text,
      priority: Number(form.priority),
    };
    try {
      await api(initial ? `/api/automations/${initial.id}` : "/api/automations", { method: initial ? "PATCH" : "POST", body });
      if (!initial) setForm({ ...EMPTY });
      onDone();
    } catch (err) {
      if (err instanceof RequestError) {
        setErrors(err.fields);
        if (!Object.keys(err.fields).length) setMessage(err.message);
      }
    }
  }

  const set = (k: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>) =>
    setForm({ ...form, [k]: e.target.value });

  return (
    <form onSubmit={submit} className="grid gap-3 md:grid-cols-2" noValidate>
      <Field label="Name" htmlFor={`name-${id}`} error={errors.name}>
        <Input id={`name-${id}`} value={form.name} onChange={set("name")} placeholder="Opening hours" />
      </Field>
      <div className="grid grid-cols-[10rem_1fr] gap-2">
        <Field label="When the message" htmlFor={`match-${id}`} error={errors.match_type}>
          <select
            id={`match-${id}`}
            value={form.match_type}
            onChange={set("match_type")}
            className="w-full rounded-lg border border-border bg-surface-2 px-3 py-2 text-sm"
          >
            {(Object.keys(MATCH_LABEL) as MatchType[]).map((m) => (
              <option key={m} value={m}>
                {MATCH_LABEL[m]}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Keyword" htmlFor={`keyword-${id}`} error={errors.keyword}>
          <Input id={`keyword-${id}`} value={form.keyword} onChange={set("keyword")} placeholder="hours" />
        </Field>
      </div>
      <div className="md:col-span-2">
        <Field label="Reply" htmlFor={`reply-${id}`} error={errors.reply_text}>
          <textarea
            id={`reply-${id}`}
            value={form.reply_text}
            onChange={set("reply_text")}
            rows={3}
            maxLength={4096}
            className="w-full rounded-lg border border-border bg-surface-2 px-3 py-2 text-sm"
          />
        </Field>
      </div>
      <Field label="Priority (lower runs first)" htmlFor={`priority-${id}`} error={errors.priority}>
        <Input id={`priority-${id}`} inputMode="numeric" value={form.priority} onChange={set("priority")} />
      </Field>
      <div className="flex items-end gap-2">
        <Button type="submit">{initial ? "Save rule" : "Add rule"}</Button>
        {onCancel ? (
          <Button type="button" variant="ghost" onClick={onCancel}>
            Cancel
          </Button>
        ) : null}
      </div>
      {message ? (
        <p role="alert" className="text-sm text-danger md:col-span-2">
          {message}
        </p>
      ) : null}
    </form>
  );
}

function Tester() {
  const [text, setText] = useState("");
  const [result, setResult] = useState<{ rule: Rule | null; consent_keyword: string | null } | null>(null);
  const [error, setError] = useState<string>();

  async function test(value: string) {
    setText(value);
    setError(undefined);
    if (!value.trim()) return setResult(null);
    try {
      setResult(await api("/api/automations/test", { method: "POST", body: { text: value } }));
    } catch (err) {
      setError(err instanceof Error ? err.message : "Could not test.");
    }
  }

  return (
    <div className="space-y-2">
      <Field label="Try a customer message" htmlFor="tester" hint="Shows which rule would answer it, as the webhook decides.">
        <Input id="tester" value={text} onChange={(e) => void test(e.target.value)} placeholder="What are your hours?" />
      </Field>
      <div role="status" aria-live="polite" className="text-sm">
        {error ? <span className="text-danger">{error}</span> : null}
        {result?.consent_keyword ? (
          <span>
            This is an opt-{result.consent_keyword === "in" ? "in" : "out"} keyword: the contact&apos;s consent changes and no
            auto-reply is sent.
          </span>
        ) : result?.rule ? (
          <span>
            <Badge tone="success">Match</Badge> “{result.rule.name}” would reply: <em>{result.rule.reply_text}</em>
          </span>
        ) : result ? (
          <span className="text-muted">No rule matches: no auto-reply would be sent.</span>
        ) : null}
      </div>
    </div>
  );
}

export function RulesManager({ canEdit }: { canEdit: boolean }) {
  const { data, error, isLoading, mutate } = useSWR<{ rules: Rule[] }>("/api/automations", fetcher);
  const [editing, setEditing] = useState<string>();
  const [notice, setNotice] = useState<string>();

  async function act(fn: () => Promise<unknown>, ok: string) {
    try {
      await fn();
      setNotice(ok);
      await mutate();
    } catch (err) {
      setNotice(err instanceof Error ? err.message : "Failed.");
    }
  }

  return (
    <div className="space-y-6">
      <Card>
        <Tester />
      </Card>
      <section className="space-y-3" aria-label="Rules">
        {isLoading ? (
          <div className="h-24 animate-pulse rounded-xl bg-surface-2" aria-busy="true" />
        ) : error ? (
          <p className="text-sm text-danger">Could not load rules: {error.message}</p>
        ) : !data?.rules.length ? (
          <EmptyState title="No auto-replies yet">Add a rule below: a keyword and the reply to send.</EmptyState>
        ) : (
          data.rules.map((r) => (
            <Card key={r.id}>
              {editing === r.id ? (
                <RuleForm
                  initial={r}
                  onCancel={() => setEditing(undefined)}
                  onDone={() => {
                    setEditing(undefined);
                    setNotice(`Saved “${r.name}”.`);
                    void mutate();
                  }}
                />
              ) : (
                <div className="flex flex-wrap items-start justify-between gap-3">
                  <div className="min-w-0">
                    <p className="font-semibold">
                      {r.name} {r.enabled ? <Badge tone="success">On</Badge> : <Badge>Off</Badge>}{" "}
                      <span className="text-xs text-muted">priority {r.priority}</span>
                    </p>
                    <p className="text-sm text-muted">
                      When the message {MATCH_LABEL[r.match_type]} “{r.keyword}”
                    </p>
                    <p className="mt-1 whitespace-pre-wrap text-sm">{r.reply_text}</p>
                  </div>
                  {canEdit ? (
                    <div className="flex gap-2">
                      <Button
                        variant="secondary"
                        onClick={() =>
                          act(
                            () => api(`/api/automations/${r.id}`, { method: "PATCH", body: { enabled: !r.enabled } }),
                            `“${r.name}” turned ${r.enabled ? "off" : "on"}.`,
                          )
                        }
                      >
                        Turn {r.enabled ? "off" : "on"}
                      </Button>
                      <Button variant="ghost" onClick={() => setEditing(r.id)}>
                        Edit
                      </Button>
                      <Button
                        variant="ghost"
                        onClick={() =>
                          confirm(`Delete “${r.name}”?`) &&
                          act(() => api(`/api/automations/${r.id}`, { method: "DELETE" }), `“${r.name}” deleted.`)
                        }
                      >
                        Delete
                      </Button>
                    </div>
                  ) : null}
                </div>
              )}
            </Card>
          ))
        )}
      </section>
      <p role="status" className="text-sm text-muted">
        {notice}
      </p>
      {canEdit ? (
        <Card>
          <h2 className="mb-3 text-lg font-semibold">New rule</h2>
          <RuleForm onDone={() => { setNotice("Rule added."); void mutate(); }} />
        </Card>
      ) : (
        <p className="text-sm text-muted">Only owners and admins can change auto-replies.</p>
      )}
    </div>
  );
}
