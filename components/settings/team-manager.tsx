"use client";

import { useState } from "react";
import useSWR from "swr";
import { Badge, Button, EmptyState, Field, Input } from "@/components/ui";
import { api, fetcher, RequestError } from "./api";

type Role = "owner" | "admin" | "agent";
interface Member {
  user_id: string;
  email: string;
  full_name: string | null;
  role: Role;
}
interface Invitation {
  id: string;
  email: string;
  role: Role;
  expires_at: string;
}

export function TeamManager({ myUserId, myRole }: { myUserId: string; myRole: Role }) {
  const { data, error, mutate, isLoading } = useSWR<{ members: Member[]; invitations: Invitation[] }>(
    "/api/settings/members",
    fetcher,
  );
  const canManage = myRole !== "agent";
  const roles: Role[] = myRole === "owner" ? ["owner", "admin", "agent"] : ["admin", "agent"];
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("agent");
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [notice, setNotice] = useState<{ tone: "ok" | "error"; text: string; link?: string }>();

  async function invite(e: React.FormEvent) {
    e.preventDefault();
    setFieldErrors({});
    setNotice(undefined);
    try {
      const r = await api<{ status: string; invite_link?: string }>("/api/settings/members", {
        method: "POST",
        body: { email, role },
      });
      setNotice(
        r.status === "invited"
          ? { tone: "ok", text: `Invitation created for ${email}. Share this one-time link (valid 7 days):`, link: r.invite_link }
          : { tone: "ok", text: `${email} already had an account and was added.` },
      );
      setEmail("");
      await mutate();
    } catch (err) {
      if (err instanceof RequestError) {
        setFieldErrors(err.fields);
        setNotice({ tone: "error", text: err.message });
      }
    }
  }

  async function act(fn: () => Promise<unknown>, ok: string) {
    setNotice(undefined);
    try {
      await fn();
      setNotice({ tone: "ok", text: ok });
      await mutate();
    } catch (err) {
      setNotice({ tone: "error", text: err instanceof Error ? err.message : "Something went wrong." });
    }
  }

  return (
    <div className="space-y-5">
      {isLoading ? (
        <div className="space-y-2" aria-busy="true">
          {[0, 1].map((i) => (
            <div key={i} className="h-12 animate-pulse rounded-lg bg-surface-2" />
          ))}
        </div>
      ) : error ? (
        <p className="text-sm text-danger">Could not load the team: {error.message}</p>
      ) : (
        <ul className="divide-y divide-border rounded-lg border border-border">
          {data?.members.map((m) => (
            <li key={m.user_id} className="flex flex-wrap items-center justify-between gap-3 p-3">
              <div>
                <p className="font-medium">
                  {m.full_name || m.email} {m.user_id === myUserId ? <span className="text-muted">(you)</span> : null}
                </p>
                <p className="text-sm text-muted">{m.email}</p>
              </div>
              <div className="flex items-center gap-2">
                {canManage && m.user_id !== myUserId && (myRole === "owner" || m.role !== "owner") ? (
                  <>
                    <label className="sr-only" htmlFor={`role-${m.user_id}`}>
                      Role of {m.email}
                    </label>
                    <select
                      id={`role-${m.user_id}`}
                      className="rounded-lg border border-border bg-surface-2 px-2 py-1 text-sm"
                      value={m.role}
                      onChange={(e) =>
                        act(
                          () => api(`/api/settings/members/${m.user_id}`, { method: "PATCH", body: { role: e.target.value } }),
                          `${m.email} is now ${e.target.value}.`,
                        )
                      }
                    >
                      {(["owner", "admin", "agent"] as Role[])
                        .filter((r) => roles.includes(r) || r === m.role)
                        .map((r) => (
                          <option key={r} value={r}>
                            {r}
                          </option>
                        ))}
                    </select>
                    <Button
                      variant="ghost"
                      onClick={() =>
                        confirm(`Remove ${m.email} from this organization?`) &&
                        act(() => api(`/api/settings/members/${m.user_id}`, { method: "DELETE" }), `${m.email} was removed.`)
                      }
                    >
                      Remove
                    </Button>
                  </>
                ) : (
                  <Badge tone={m.role === "owner" ? "accent" : "neutral"}>{m.role}</Badge>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}

      {canManage && data?.invitations.length ? (
        <div>
          <h3 className="mb-2 text-sm font-medium text-muted">Pending invitations</h3>
          <ul className="divide-y divide-border rounded-lg border border-border">
            {data.invitations.map((i) => (
              <li key={i.id} className="flex items-center justify-between gap-3 p-3 text-sm">
                <span>
                  {i.email} <Badge>{i.role}</Badge>
                </span>
                <Button
                  variant="ghost"
                  onClick={() => act(() => api(`/api/settings/invitations/${i.id}`, { method: "DELETE" }), "Invitation revoked.")}
                >
                  Revoke
                </Button>
              </li>
            ))}
          </ul>
        </div>
      ) : null}

      {canManage ? (
        <form onSubmit={invite} className="grid gap-3 sm:grid-cols-[1fr_10rem_auto] sm:items-end" noValidate>
          <Field label="Invite by email" htmlFor="invite-email" error={fieldErrors.email}>
            <Input
              id="invite-email"
              type="email"
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              placeholder="teammate@company.com"
              aria-invalid={Boolean(fieldErrors.email)}
              required
            />
          </Field>
          <Field label="Role" htmlFor="invite-role" error={fieldErrors.role}>
            <select
              id="invite-role"
              className="w-full rounded-lg border border-border bg-surface-2 px-3 py-2 text-sm"
              value={role}
              onChange={(e) => setRole(e.target.value as Role)}
            >
              {roles.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </Field>
          <Button type="submit">Invite</Button>
        </form>
      ) : (
        <EmptyState title="Only owners and admins can invite people." />
      )}
      <div role="status" aria-live="polite" className="text-sm">
        {notice ? (
          <div className={notice.tone === "ok" ? "text-success" : "text-danger"}>
            <p>{notice.text}</p>
            {notice.link ? (
              <p className="mt-1 break-all rounded bg-surface-2 p-2 font-mono text-xs text-text">{notice.link}</p>
            ) : null}
          </div>
        ) : null}
      </div>
      <p className="text-xs text-muted">
        Agents can use the inbox and contacts; they cannot recharge the wallet, manage channels or API keys.
      </p>
    </div>
  );
}
