"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";

export interface OrgOption {
  id: string;
  name: string;
  role: string;
}

/**
 * The organization in use, and a switcher when the person belongs to several. Switching sets the
 * wa_org cookie (POST /api/orgs/switch) and re-renders the app for the new organization.
 */
export function OrgSwitcher({ current, orgs }: { current: OrgOption | null; orgs: OrgOption[] }) {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  if (!current) return null;
  if (orgs.length < 2) {
    return (
      <div className="min-w-0">
        <p className="text-xs uppercase tracking-wide text-muted">Organization</p>
        <p className="truncate font-medium" title={current.name}>
          {current.name}
        </p>
      </div>
    );
  }

  async function onChange(e: React.ChangeEvent<HTMLSelectElement>) {
    const orgId = e.target.value;
    if (orgId === "__new") {
      router.push("/onboarding?new=1");
      return;
    }
    setPending(true);
    setError(null);
    const res = await fetch("/api/orgs/switch", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ orgId }),
    }).catch(() => null);
    setPending(false);
    if (!res?.ok) {
      setError("Could not switch organization. Try again.");
      return;
    }
    router.push("/dashboard");
    router.refresh();
  }

  return (
    <div className="min-w-0">
      <label htmlFor="org-switcher" className="text-xs uppercase tracking-wide text-muted">
        Organization
      </label>
      <select
        id="org-switcher"
        value={current.id}
        onChange={onChange}
        disabled={pending}
        className="mt-1 w-full truncate rounded-lg border border-border bg-surface-2 px-2 py-1.5 text-sm font-medium text-text"
      >
        {orgs.map((o) => (
          <option key={o.id} value={o.id}>
            {o.name}
          </option>
        ))}
        <option value="__new">+ New organization…</option>
      </select>
      {error ? (
        <p role="alert" className="mt-1 text-xs text-danger">
          {error}
        </p>
      ) : null}
    </div>
  );
}
