"use client";

import { cx } from "@/components/ui";
import { describeMessage, displayName, timeLabel } from "./format";
import type { Conversation } from "./types";

export function ConversationList({
  items,
  selectedId,
  onSelect,
}: {
  items: Conversation[];
  selectedId?: string;
  onSelect: (id: string) => void;
}) {
  return (
    <ul className="divide-y divide-border" aria-label="Conversations">
      {items.map((c) => (
        <li key={c.contact.id}>
          <button
            type="button"
            onClick={() => onSelect(c.contact.id)}
            aria-current={selectedId === c.contact.id ? "true" : undefined}
            className={cx(
              "flex w-full items-start gap-3 px-4 py-3 text-left hover:bg-surface-2",
              selectedId === c.contact.id && "bg-surface-3",
            )}
          >
            <span
              aria-hidden
              className="mt-0.5 flex h-10 w-10 shrink-0 items-center justify-center rounded-full bg-surface-3 text-sm font-semibold"
            >
              {displayName(c.contact).replace(/^\+/, "").slice(0, 1).toUpperCase()}
            </span>
            <span className="min-w-0 flex-1">
              <span className="flex items-baseline justify-between gap-2">
                <span className={cx("truncate", c.unread_count ? "font-semibold" : "font-medium")}>{displayName(c.contact)}</span>
                <span className={cx("shrink-0 text-xs", c.unread_count ? "text-accent" : "text-muted")}>
                  {timeLabel(c.last_message_at)}
                </span>
              </span>
              <span className="flex items-center justify-between gap-2">
                <span className="truncate text-sm text-muted">
                  {c.last_message ? (c.last_message.direction === "outbound" ? "You: " : "") + describeMessage(c.last_message) : ""}
                </span>
                {c.unread_count ? (
                  <span className="rounded-full bg-accent px-1.5 text-xs font-semibold text-accent-contrast">
                    <span className="sr-only">Unread: </span>
                    {c.unread_count}
                  </span>
                ) : null}
              </span>
            </span>
          </button>
        </li>
      ))}
    </ul>
  );
}
