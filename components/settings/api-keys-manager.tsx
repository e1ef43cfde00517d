"use client";

import { useState } from "react";
import useSWR from "swr";
import { Badge, Button, EmptyState, Field, Input } from "@/components/ui";
import { formatMediumDateTime } from "@/components/time-zone";
import { api, fetcher, RequestError } from "./api";

interface Key {
  id: string;
  name: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

const when = (s: string | null) => (s ? formatMediumDateTime(s) : "never");

export function ApiKeysManager() {
  const { data, error, mutate, isLoading } = useSWR<{ data: Key[] }>("/api/settings/api-keys", fetcher);
  const [name, setName] = useState("");
  const [nameError, setNameError] = useState<string>();
  const [created, setCreated] = useState<{ key: string; name: string }>();
  const [copied, setCopied] = useState(false);
  const [notice, setNotice] = useState<string>();

  async function create(e: React.FormEvent) {
    e.preventDefault();
    setNameError(undefined);
    setNotice(undefined);
    try {
      const r = await api<{ key: string; name: string }>("/api/settings/api-keys", { method: "POST", body: { name } });
      setCreated(r);
      setCopied(false);
      setName("");
      await mutate();
    } catch (err) {
      setNameError(err instanceof RequestError ? (err.fields.name ?? err.message) : "Could not create the key.");
    }
  }

  async function revoke(k: Key) {
    if (!confirm(`Revoke "${k.name}" (${k.prefix}…)? Systems using it will stop working at once.`)) return;
    try {
      await api(`/api/settings/api-keys/${k.id}`, { method: "DELETE" });
      setNotice(`${k.name} was revoked.`);
      await mutate();
    } catch (err) {
      setNotice(err instanceof Error ? err.message : "Could not revoke the key.");
    }
  }

  return (
    <div className="space-y-5">
      {created ? (
        <div className="rounded-lg border border-accent bg-accent/10 p-4" role="status">
          <p className="font-medium">Your new key “{created.name}”. Copy it now: it will not be shown again.</p>
          <div className="mt-2 flex flex-wrap items-center gap-2">
            <code className="break-all rounded bg-surface-2 px-2 py-1 font-mono text-sm" data-testid="new-api-key">
              {created.key}
            </code>
            <Button
              variant="secondary"
              onClick={async () => {
                await navigator.clipboard?.writeText(created.key).catch(() => undefined);
                setCopied(true);
              }}
            >
              {copied ? "Copied" : "Copy"}
            </Button>
          </div>
        </div>
      ) : null}

      {isLoading ? (
        <div className="h-16 animate-pulse rounded-lg bg-surface-2" aria-busy="true" />
      ) : error ? (
        <p className="text-sm text-danger">Could not load keys: {error.message}</p>
      ) : data?.data.length ? (
        <div className="overflow-x-auto rounded-lg border border-border">
          <table className="w-full text-left text-sm">
            <thead className="bg-surface-2 text-muted">
              <tr>
                <th className="p-3 font-medium">Name</th>
                <th className="p-3 font-medium">Key</th>
                <th className="p-3 font-medium">Created</th>
                <th className="p-3 font-medium">Last used</th>
                <th className="p-3 font-medium">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-border">
              {data.data.map((k) => (
                <tr key={k.id}>
                  <td className="p-3">{k.name}</td>
                  <td className="p-3 font-mono">{k.prefix}…</td>
                  <td className="p-3">{when(k.created_at)}</td>
                  <td className="p-3">{when(k.last_used_at)}</td>
                  <td className="p-3 text-right">
                    {k.revoked_at ? (
                      <Badge tone="danger">revoked</Badge>
                    ) : (
                      <Button variant="ghost" onClick={() => revoke(k)}>
                        Revoke
                      </Button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <EmptyState title="No API keys yet">Create one to send messages from your own systems.</EmptyState>
      )}

      <form onSubmit={create} className="flex flex-wrap items-end gap-3" noValidate>
        <div className="min-w-64 flex-1">
          <Field label="New key name" htmlFor="key-name" error={nameError} hint="For example: CRM, billing system">
            <Input id="key-name" value={name} onChange={(e) => setName(e.target.value)} aria-invalid={Boolean(nameError)} />
          </Field>
        </div>
        <Button type="submit">Create API key</Button>
      </form>
      <p role="status" className="text-sm text-muted">
        {notice}
      </p>
    </div>
  );
}
