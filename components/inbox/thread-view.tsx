"use client";

import { useEffect, useRef } from "react";
import { Badge, cx } from "@/components/ui";
import { describeMessage, displayName, timeLabel } from "./format";
import { Ticks } from "./ticks";
import type { Thread } from "./types";

export function ThreadView({ thread, onBack }: { thread: Thread; onBack: () => void }) {
  const end = useRef<HTMLDivElement>(null);
  const last = thread.data.at(-1)?.id;
  useEffect(() => {
    end.current?.scrollIntoView({ block: "end" });
  }, [last]);

  return (
    <div className="flex min-h-0 flex-1 flex-col">
      <header className="flex items-center gap-3 border-b border-border bg-surface-2 px-4 py-3">
        <button type="button" onClick={onBack} className="rounded px-2 py-1 text-sm hover:bg-surface-3 md:hidden">
          ← <span className="sr-only">Back to conversations</span>
        </button>
        <div className="min-w-0 flex-1">
          <h2 className="truncate font-semibold">{displayName(thread.contact)}</h2>
          <p className="text-xs text-muted">{thread.contact.phone_e164 ?? `+${thread.contact.wa_id}`}</p>
        </div>
        {thread.contact.opted_out ? <Badge tone="danger">Opted out</Badge> : null}
        <Badge tone={thread.window.open ? "success" : "warning"}>
          {thread.window.open ? "24-hour window open" : "Window closed"}
        </Badge>
      </header>
      <div className="min-h-0 flex-1 space-y-2 overflow-y-auto p-4" aria-live="polite" aria-label="Messages">
        {thread.data.length === 0 ? <p className="text-center text-sm text-muted">No messages yet.</p> : null}
        {thread.data.map((m) => (
          <div key={m.id} className={cx("flex", m.direction === "outbound" ? "justify-end" : "justify-start")}>
            <div
              className={cx(
                "max-w-[80%] rounded-lg px-3 py-2 text-sm shadow-sm",
                m.direction === "outbound" ? "bg-bubble-out" : "bg-bubble-in",
              )}
              data-direction={m.direction}
            >
              <p className="whitespace-pre-wrap break-words">{describeMessage(m)}</p>
              <p className="mt-1 flex items-center justify-end gap-1 text-[11px] text-muted">
                <time dateTime={m.created_at}>{timeLabel(m.created_at)}</time>
                {m.direction === "outbound" ? <Ticks status={m.status} error={m.error} /> : null}
              </p>
              {m.status === "failed" && m.error ? (
                <p className="mt-1 text-xs text-danger">
                  Not delivered: {m.error.title ?? "failed"}
                  {m.error.code ? ` (${m.error.code})` : ""}
                </p>
              ) : null}
            </div>
          </div>
        ))}
        <div ref={end} />
      </div>
    </div>
  );
}
