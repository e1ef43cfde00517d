"use client";

import Link from "next/link";
import { useState } from "react";
import { TemplatePicker } from "@/components/templates/template-picker";
import { Button } from "@/components/ui";
import { formatPaise } from "@/lib/money/format";

interface Props {
  toWaId: string;
  /** The conversation's channel (lib/inbox conversationChannel): sends go from it; null = the default channel. */
  channelId: string | null;
  windowOpen: boolean;
  optedOut: boolean;
  feePaise: number;
  onSent: () => void;
}

/** Sends through the real pipeline (POST /api/v1/messages), so the fee is charged exactly as for the API. */
export function Composer({ toWaId, channelId, windowOpen, optedOut, feePaise, onSent }: Props) {
  const [text, setText] = useState("");
  const [error, setError] = useState<{ message: string; code?: string }>();
  const [busy, setBusy] = useState(false);

  if (optedOut) {
    return (
      <p className="border-t border-border bg-surface-2 p-4 text-sm text-muted">
        This contact opted out of messages (STOP). They can opt back in by sending START.
      </p>
    );
  }
  if (!windowOpen) {
    return (
      <div className="max-h-[70vh] space-y-3 overflow-y-auto border-t border-border bg-surface-2 p-4 text-sm">
        <div role="note" className="rounded-lg border border-warning/40 bg-warning/10 p-3">
          <p className="font-medium">The 24-hour customer service window is closed.</p>
          <p className="text-muted">
            WhatsApp only allows free-form messages within 24 hours of the customer&apos;s last message. To start the
            conversation again, send an approved message template.
          </p>
        </div>
        <TemplatePicker toWaId={toWaId} channelId={channelId} feePaise={feePaise} onSent={onSent} />
      </div>
    );
  }

  async function send(e: React.FormEvent) {
    e.preventDefault();
    if (!text.trim()) return;
    setBusy(true);
    setError(undefined);
    try {
      const res = await fetch("/api/v1/messages", {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": crypto.randomUUID() },
        body: JSON.stringify({ to: `+${toWaId}`, ...(channelId ? { channel_id: channelId } : {}), type: "text", text: { body: text } }),
      });
      if (!res.ok) {
        const body = await res.json().catch(() => null);
        setError({ message: body?.error?.message ?? `Could not send (${res.status}).`, code: body?.error?.code });
      } else {
        setText("");
        onSent();
      }
    } catch {
      setError({ message: "Network error: the message was not sent." });
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={send} className="border-t border-border bg-surface-2 p-3">
      {error ? (
        <p role="alert" className="mb-2 text-sm text-danger">
          {error.message}{" "}
          {error.code === "insufficient_balance" || error.code === "insufficient_funds" ? (
            <Link href="/wallet" className="underline">
              Recharge the wallet
            </Link>
          ) : null}
        </p>
      ) : null}
      <div className="flex items-end gap-2">
        <label htmlFor="composer" className="sr-only">
          Message
        </label>
        <textarea
          id="composer"
          rows={1}
          maxLength={4096}
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && !e.shiftKey) {
              e.preventDefault();
              e.currentTarget.form?.requestSubmit();
            }
          }}
          placeholder="Type a message"
          className="max-h-40 min-h-10 flex-1 resize-y rounded-lg border border-border bg-surface px-3 py-2 text-sm"
        />
        <Button type="submit" disabled={busy || !text.trim()}>
          {busy ? "Sending…" : "Send"}
        </Button>
      </div>
      <p className="mt-1 text-xs text-muted">Each message costs {formatPaise(feePaise)} from your wallet; refunded if it fails on our or Meta&apos;s side.</p>
    </form>
  );
}
