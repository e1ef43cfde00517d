"use client";

import { useRouter, useSearchParams } from "next/navigation";
import { useEffect, useState } from "react";
import useSWR from "swr";
import { cx, EmptyState, Input } from "@/components/ui";
import { fetcher } from "@/components/settings/api";
import { Composer } from "./composer";
import { ConversationList } from "./conversation-list";
import { ThreadView } from "./thread-view";
import type { Conversation, Thread } from "./types";

// Polling keeps the inbox live without a socket: conversations every 4 s, the open thread every 2.5 s.
const LIST_REFRESH_MS = 4000;
const THREAD_REFRESH_MS = 2500;

export function Inbox({ feePaise }: { feePaise: number }) {
  const router = useRouter();
  const params = useSearchParams();
  const selected = params.get("contact") ?? undefined;
  const [search, setSearch] = useState("");
  const [unreadOnly, setUnreadOnly] = useState(false);
  const [cursor, setCursor] = useState<string | null>(null);

  const qs = new URLSearchParams();
  if (search.trim()) qs.set("search", search.trim());
  if (unreadOnly) qs.set("unread", "1");
  if (cursor) qs.set("cursor", cursor);
  const list = useSWR<{ data: Conversation[]; next_cursor: string | null }>(`/api/inbox/conversations?${qs}`, fetcher, {
    refreshInterval: LIST_REFRESH_MS,
    keepPreviousData: true,
  });
  const thread = useSWR<Thread>(selected ? `/api/inbox/conversations/${selected}` : null, fetcher, {
    refreshInterval: THREAD_REFRESH_MS,
  });

  // Opening a conversation marks it read (and again whenever new inbound messages arrive in it).
  const lastInbound = thread.data?.data.filter((m) => m.direction === "inbound").at(-1)?.id;
  useEffect(() => {
    if (!selected || !lastInbound) return;
    void fetch(`/api/inbox/conversations/${selected}/read`, { method: "POST" }).then(() => list.mutate());
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [selected, lastInbound]);

  const select = (id?: string) => router.replace(id ? `/inbox?contact=${id}` : "/inbox", { scroll: false });

  return (
    <div className="flex h-[calc(100dvh-8rem)] min-h-[28rem] overflow-hidden rounded-xl border border-border bg-surface">
      <aside className={cx("flex w-full flex-col border-r border-border md:w-80 lg:w-96", selected && "hidden md:flex")}>
        <div className="space-y-2 border-b border-border p-3">
          <label htmlFor="inbox-search" className="sr-only">
            Search conversations
          </label>
          <Input
            id="inbox-search"
            type="search"
            placeholder="Search name or number"
            value={search}
            onChange={(e) => {
              setSearch(e.target.value);
              setCursor(null);
            }}
          />
          <label className="flex items-center gap-2 text-sm text-muted">
            <input
              type="checkbox"
              checked={unreadOnly}
              onChange={(e) => {
                setUnreadOnly(e.target.checked);
                setCursor(null);
              }}
            />
            Unread only
          </label>
        </div>
        <div className="min-h-0 flex-1 overflow-y-auto">
          {list.isLoading && !list.data ? (
            <div className="space-y-2 p-3" aria-busy="true">
              {[0, 1, 2, 3].map((i) => (
                <div key={i} className="h-14 animate-pulse rounded-lg bg-surface-2" />
              ))}
            </div>
          ) : list.error ? (
            <p className="p-4 text-sm text-danger">Could not load conversations: {list.error.message}</p>
          ) : list.data?.data.length ? (
            <>
              <ConversationList items={list.data.data} selectedId={selected} onSelect={select} />
              <div className="flex justify-between p-3 text-sm">
                {cursor ? (
                  <button type="button" className="text-accent underline" onClick={() => setCursor(null)}>
                    Newest
                  </button>
                ) : (
                  <span />
                )}
                {list.data.next_cursor ? (
                  <button type="button" className="text-accent underline" onClick={() => setCursor(list.data!.next_cursor)}>
                    Older conversations
                  </button>
                ) : null}
              </div>
            </>
          ) : (
            <div className="p-4">
              <EmptyState title={search || unreadOnly ? "No matching conversations" : "No conversations yet"}>
                {search || unreadOnly
                  ? "Try another search."
                  : "When customers write to your WhatsApp number, or you message a contact, the conversation appears here."}
              </EmptyState>
            </div>
          )}
        </div>
      </aside>
      <section className={cx("min-w-0 flex-1 flex-col", selected ? "flex" : "hidden md:flex")}>
        {!selected ? (
          <div className="m-auto p-6 text-center text-sm text-muted">Choose a conversation to read and reply.</div>
        ) : thread.error ? (
          <div className="m-auto p-6 text-center text-sm text-danger">{thread.error.message}</div>
        ) : !thread.data ? (
          <div className="flex-1 space-y-3 p-4" aria-busy="true">
            {[0, 1, 2].map((i) => (
              <div key={i} className={cx("h-10 w-2/3 animate-pulse rounded-lg bg-surface-2", i % 2 === 1 && "ml-auto")} />
            ))}
          </div>
        ) : (
          <>
            <ThreadView thread={thread.data} onBack={() => select(undefined)} />
            <Composer
              toWaId={thread.data.contact.wa_id}
              channelId={thread.data.channel?.id ?? null}
              windowOpen={thread.data.window.open}
              optedOut={thread.data.contact.opted_out}
              feePaise={feePaise}
              onSent={() => {
                void thread.mutate();
                void list.mutate();
              }}
            />
          </>
        )}
      </section>
    </div>
  );
}
