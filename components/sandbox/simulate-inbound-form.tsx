"use client";

import { useState } from "react";
import useSWR from "swr";
import { Button, Field, Input } from "@/components/ui";
import { api, fetcher, RequestError } from "@/components/settings/api";

interface Channel {
  id: string;
  mode: string;
  display_phone_number: string;
  status: string;
}

/**
 * Sandbox only: pretend to be a customer writing to one of your sandbox numbers. The message goes
 * through the real, signed Meta webhook, so auto-replies, opt-outs and the inbox behave for real.
 */
export function SimulateInboundForm({ defaultFrom = "919812345678" }: { defaultFrom?: string }) {
  const { data } = useSWR<{ data: Channel[] }>("/api/channels", fetcher);
  const channels = (data?.data ?? []).filter((c) => c.mode === "sandbox" && c.status === "connected");
  const [channelId, setChannelId] = useState("");
  const [from, setFrom] = useState(defaultFrom);
  const [name, setName] = useState("Test Customer");
  const [text, setText] = useState("hi");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [notice, setNotice] = useState<{ ok: boolean; text: string }>();
  const selected = channelId || channels[0]?.id || "";

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setErrors({});
    setNotice(undefined);
    try {
      await api("/api/sandbox/simulate-inbound", {
        method: "POST",
        body: { channel_id: selected, from, text, profile_name: name || undefined },
      });
      setNotice({ ok: true, text: `Delivered to the webhook as +${from.replace(/^\+/, "")}. It appears in the inbox in a moment.` });
    } catch (err) {
      if (err instanceof RequestError) setErrors(err.fields);
      setNotice({ ok: false, text: err instanceof Error ? err.message : "Failed." });
    }
  }

  if (data && channels.length === 0) {
    return <p className="text-sm text-muted">Connect a sandbox number on the Channels page to simulate customers.</p>;
  }
  return (
    <form onSubmit={submit} className="grid gap-3 md:grid-cols-2" noValidate>
      <Field label="To (your sandbox number)" htmlFor="sim-channel" error={errors.channel_id}>
        <select
          id="sim-channel"
          value={selected}
          onChange={(e) => setChannelId(e.target.value)}
          className="w-full rounded-lg border border-border bg-surface-2 px-3 py-2 text-sm"
        >
          {data ? null : <option value="">Loading your numbers…</option>}
          {channels.map((c) => (
            <option key={c.id} value={c.id}>
              {c.display_phone_number}
            </option>
          ))}
        </select>
      </Field>
      <Field label="From (customer's WhatsApp number)" htmlFor="sim-from" error={errors.from}>
        <Input id="sim-from" value={from} onChange={(e) => setFrom(e.target.value)} />
      </Field>
      <Field label="Customer name" htmlFor="sim-name" error={errors.profile_name}>
        <Input id="sim-name" value={name} onChange={(e) => setName(e.target.value)} />
      </Field>
      <Field label="Their message" htmlFor="sim-text" error={errors.text}>
        <Input id="sim-text" value={text} onChange={(e) => setText(e.target.value)} />
      </Field>
      <div className="md:col-span-2 flex items-center gap-3">
        {/* Not before the numbers have loaded: there is nothing to send to yet. */}
        <Button type="submit" variant="secondary" disabled={!selected}>
          Simulate incoming message
        </Button>
        <p role="status" className={`text-sm ${notice?.ok ? "text-success" : "text-danger"}`}>
          {notice?.text}
        </p>
      </div>
    </form>
  );
}
