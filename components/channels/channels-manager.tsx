"use client";

import { useState } from "react";
import useSWR from "swr";
import { Badge, Button, Card, EmptyState, Field, Input } from "@/components/ui";
import { api, fetcher, RequestError } from "@/components/settings/api";
import { EmbeddedSignupButton } from "./embedded-signup-button";

interface Channel {
  id: string;
  mode: "live" | "sandbox";
  phone_number_id: string;
  display_phone_number: string;
  verified_name: string | null;
  status: "connected" | "disconnected" | "token_expired";
  is_default: boolean;
  throughput_mps: number;
}

const STATUS: Record<Channel["status"], { tone: "success" | "warning" | "danger"; label: string }> = {
  connected: { tone: "success", label: "Connected" },
  disconnected: { tone: "warning", label: "Disconnected" },
  token_expired: { tone: "danger", label: "Token expired" },
};

export interface ChannelsManagerProps {
  canManage: boolean;
  sandbox: boolean;
  live: { appId: string; configId: string; version: string } | null;
}

export function ChannelsManager({ canManage, sandbox, live }: ChannelsManagerProps) {
  const { data, error, isLoading, mutate } = useSWR<{ data: Channel[] }>("/api/channels", fetcher);
  const [phone, setPhone] = useState("");
  const [phoneError, setPhoneError] = useState<string>();
  const [notice, setNotice] = useState<{ ok: boolean; text: string }>();

  async function act(fn: () => Promise<unknown>, ok: string) {
    setNotice(undefined);
    try {
      await fn();
      setNotice({ ok: true, text: ok });
      await mutate();
    } catch (err) {
      setNotice({ ok: false, text: err instanceof Error ? err.message : "Failed." });
    }
  }

  async function connectSandbox(e: React.FormEvent) {
    e.preventDefault();
    setPhoneError(undefined);
    try {
      await api("/api/channels/sandbox", { method: "POST", body: { display_phone: phone } });
      setPhone("");
      setNotice({ ok: true, text: "Sandbox number connected. Messages to it are simulated; nothing reaches WhatsApp." });
      await mutate();
    } catch (err) {
      setPhoneError(err instanceof RequestError ? (err.fields.display_phone ?? err.message) : "Could not connect.");
    }
  }

  return (
    <div className="space-y-6">
      {isLoading ? (
        <div className="h-24 animate-pulse rounded-xl bg-surface-2" aria-busy="true" />
      ) : error ? (
        <p className="text-sm text-danger">Could not load channels: {error.message}</p>
      ) : !data?.data.length ? (
        <EmptyState title="No WhatsApp number connected yet">Connect a number below to start messaging.</EmptyState>
      ) : (
        <ul className="space-y-3" aria-label="Connected numbers">
          {data.data.map((c) => (
            <li key={c.id}>
              <Card>
                <div className="flex flex-wrap items-center justify-between gap-3">
                  <div>
                    <p className="text-lg font-semibold">
                      {c.display_phone_number}{" "}
                      {c.is_default ? <Badge tone="accent">Default</Badge> : null}{" "}
                      {c.mode === "sandbox" ? <Badge tone="warning">Sandbox</Badge> : null}
                    </p>
                    <p className="text-sm text-muted">
                      {c.verified_name ?? "—"} · Phone number ID <span className="font-mono">{c.phone_number_id}</span> · up to{" "}
                      {c.throughput_mps} msg/s
                    </p>
                    {c.status === "token_expired" ? (
                      <p className="mt-1 text-sm text-danger">
                        Meta rejected this number&apos;s access token. Reconnect it to resume sending.
                      </p>
                    ) : null}
                  </div>
                  <div className="flex flex-wrap items-center gap-2">
                    <Badge tone={STATUS[c.status].tone}>{STATUS[c.status].label}</Badge>
                    {canManage && !c.is_default && c.status === "connected" ? (
                      <Button variant="secondary" onClick={() => act(() => api(`/api/channels/${c.id}/default`, { method: "POST" }), `${c.display_phone_number} is now the default.`)}>
                        Make default
                      </Button>
                    ) : null}
                    {canManage && c.status !== "disconnected" ? (
                      <Button
                        variant="ghost"
                        onClick={() =>
                          confirm(`Disconnect ${c.display_phone_number}? Sending from it stops.`) &&
                          act(() => api(`/api/channels/${c.id}/disconnect`, { method: "POST" }), `${c.display_phone_number} disconnected.`)
                        }
                      >
                        Disconnect
                      </Button>
                    ) : null}
                  </div>
                </div>
              </Card>
            </li>
          ))}
        </ul>
      )}
      <p role="status" className={`text-sm ${notice?.ok ? "text-success" : "text-danger"}`}>
        {notice?.text}
      </p>
      {canManage ? (
        <Card>
          <h2 className="mb-3 text-lg font-semibold">Connect a number</h2>
          {live ? (
            <div className="mb-6 space-y-2">
              <p className="text-sm text-muted">
                Sign in with Facebook, choose or create your WhatsApp Business account and number. We exchange the code,
                subscribe our app to your account and register the number for you.
              </p>
              <EmbeddedSignupButton {...live} onConnected={() => void mutate()} />
            </div>
          ) : null}
          {sandbox ? (
            <form onSubmit={connectSandbox} className="flex flex-wrap items-end gap-3" noValidate>
              <div className="min-w-64 flex-1">
                <Field
                  label="Sandbox number (display phone)"
                  htmlFor="sandbox-phone"
                  error={phoneError}
                  hint="One click, no Meta account: a simulated number for trying the product."
                >
                  <Input id="sandbox-phone" value={phone} onChange={(e) => setPhone(e.target.value)} placeholder="+91 98765 43210" aria-invalid={Boolean(phoneError)} />
                </Field>
              </div>
              <Button type="submit">Connect sandbox number</Button>
            </form>
          ) : null}
          {!live && !sandbox ? (
            <p className="text-sm text-muted">Live connection is not configured on this server (META_APP_ID and META_CONFIG_ID).</p>
          ) : null}
        </Card>
      ) : (
        <p className="text-sm text-muted">Only owners and admins can connect or change numbers.</p>
      )}
    </div>
  );
}
