"use client";

import { useState } from "react";
import { Button, Field, Input } from "@/components/ui";
import { api, RequestError } from "./api";

export function OrgProfileForm({ name, canEdit }: { name: string; canEdit: boolean }) {
  const [value, setValue] = useState(name);
  const [error, setError] = useState<string>();
  const [status, setStatus] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function save(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    setStatus(undefined);
    try {
      await api("/api/settings/organization", { method: "PATCH", body: { name: value } });
      setStatus("Saved.");
    } catch (err) {
      setError(err instanceof RequestError ? (err.fields.name ?? err.message) : "Could not save. Try again.");
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={save} className="flex flex-wrap items-end gap-3">
      <div className="min-w-64 flex-1">
        <Field label="Organization name" htmlFor="org-name" error={error}>
          <Input
            id="org-name"
            value={value}
            onChange={(e) => setValue(e.target.value)}
            disabled={!canEdit}
            aria-invalid={Boolean(error)}
            aria-describedby={error ? "org-name-error" : undefined}
          />
        </Field>
      </div>
      {canEdit ? (
        <Button type="submit" disabled={busy}>
          {busy ? "Saving…" : "Save"}
        </Button>
      ) : null}
      <p role="status" className="w-full text-sm text-success">
        {status}
      </p>
    </form>
  );
}
