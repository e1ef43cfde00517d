"use client";

import Link from "next/link";
import { useRef, useState } from "react";
import useSWR, { useSWRConfig } from "swr";
import { Badge, Button, cx, EmptyState, Input, PageHeader } from "@/components/ui";
import { contactsFetcher } from "./api";
import { ContactForm } from "./contact-form";
import { formatPhone, timeAgo } from "./format";
import { ImportFlow } from "./import-flow";
import { SidePanel } from "./side-panel";
import { TableSkeleton } from "./skeleton";
import { displayName, firstPageKey, PAGE_SIZE, type ContactDto, type ContactPage, type TagCount } from "./types";

type Status = "all" | "subscribed" | "opted_out";
type Panel = { kind: "create" } | { kind: "edit"; contact: ContactDto } | { kind: "import" } | null;

function filterParams(q: string, tags: string[], status: Status): URLSearchParams {
  const p = new URLSearchParams();
  if (q) p.set("q", q);
  for (const t of tags) p.append("tag", t);
  if (status !== "all") p.set("opted_out", status === "opted_out" ? "true" : "false");
  return p;
}

export function ContactsManager({
  canAdmin,
  initialPage,
}: {
  canAdmin: boolean;
  initialPage: ContactPage;
}) {
  const { mutate: mutateAll } = useSWRConfig();
  const [search, setSearch] = useState("");
  const [q, setQ] = useState("");
  const [tags, setTags] = useState<string[]>([]);
  const [status, setStatus] = useState<Status>("all");
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  const [panel, setPanel] = useState<Panel>(null);
  const [notice, setNotice] = useState<string>();
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);

  const filters = filterParams(q, tags, status);
  const pageParams = new URLSearchParams(filters);
  pageParams.set("limit", String(PAGE_SIZE));
  const cursor = cursors.at(-1);
  if (cursor) pageParams.set("cursor", cursor);
  const key = `/api/contacts?${pageParams}`;
  const list = useSWR<ContactPage>(key, contactsFetcher, {
    keepPreviousData: true,
    fallbackData: key === firstPageKey() ? initialPage : undefined,
  });
  const tagList = useSWR<{ data: TagCount[] }>("/api/contacts/tags", contactsFetcher, { revalidateOnFocus: false });

  const filtered = Boolean(q || tags.length || status !== "all");
  const resetPaging = () => setCursors([null]);

  function onSearch(value: string) {
    setSearch(value);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      setQ(value.trim());
      resetPaging();
    }, 300);
  }
  function toggleTag(tag: string) {
    setTags((t) => (t.includes(tag) ? t.filter((x) => x !== tag) : [...t, tag]));
    resetPaging();
  }
  function clearFilters() {
    setSearch("");
    setQ("");
    setTags([]);
    setStatus("all");
    resetPaging();
  }
  async function refresh() {
    await mutateAll((k) => typeof k === "string" && k.startsWith("/api/contacts"));
  }
  function saved(message: string) {
    setPanel(null);
    setNotice(message);
    void refresh();
  }

  const rows = list.data?.data ?? [];
  const loadingFirst = list.isLoading && !list.data;
  const exportHref = `/api/contacts/export${filters.size ? `?${filters}` : ""}`;
  const allTags = tagList.data?.data ?? [];

  return (
    <div>
      <PageHeader
        title="Contacts"
        description="Everyone your business talks to on WhatsApp."
        actions={
          <div className="flex flex-wrap gap-2">
            {canAdmin ? (
              <>
                <a
                  href={exportHref}
                  download
                  className="inline-flex items-center justify-center gap-2 rounded-lg border border-border bg-surface-2 px-4 py-2 text-sm font-medium text-text transition-colors hover:bg-surface-3"
                >
                  Export
                </a>
                <Button variant="secondary" onClick={() => setPanel({ kind: "import" })}>
                  Import CSV
                </Button>
              </>
            ) : null}
            <Button onClick={() => setPanel({ kind: "create" })}>Add contact</Button>
          </div>
        }
      />

      {notice ? (
        <div role="status" className="mb-4 flex items-center justify-between gap-3 rounded-lg border border-success/40 bg-success/10 px-4 py-2 text-sm">
          <span>{notice}</span>
          <button type="button" className="text-muted hover:text-text" onClick={() => setNotice(undefined)} aria-label="Dismiss">
            ✕
          </button>
        </div>
      ) : null}

      <div className="mb-3 flex flex-col gap-3 sm:flex-row sm:items-center">
        <div className="relative flex-1">
          <label htmlFor="contact-search" className="sr-only">
            Search contacts
          </label>
          <svg viewBox="0 0 20 20" aria-hidden="true" className="pointer-events-none absolute left-3 top-1/2 h-4 w-4 -translate-y-1/2 text-muted">
            <circle cx="9" cy="9" r="6" fill="none" stroke="currentColor" strokeWidth="1.8" />
            <path d="M13.5 13.5L17 17" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />
          </svg>
          <Input
            id="contact-search"
            type="search"
            placeholder="Search by name or number"
            value={search}
            onChange={(e) => onSearch(e.target.value)}
            className="pl-9"
          />
        </div>
        <label htmlFor="contact-status" className="sr-only">
          Opt-out status
        </label>
        <select
          id="contact-status"
          value={status}
          onChange={(e) => {
            setStatus(e.target.value as Status);
            resetPaging();
          }}
          className="rounded-lg border border-border bg-surface-2 px-3 py-2 text-sm text-text sm:w-48"
        >
          <option value="all">All contacts</option>
          <option value="subscribed">Subscribed</option>
          <option value="opted_out">Opted out</option>
        </select>
      </div>

      {allTags.length ? (
        <div className="mb-4 flex flex-wrap gap-2" role="group" aria-label="Filter by tag">
          {allTags.slice(0, 30).map(({ tag, count }) => {
            const on = tags.includes(tag);
            return (
              <button
                key={tag}
                type="button"
                aria-pressed={on}
                onClick={() => toggleTag(tag)}
                className={cx(
                  "rounded-full border px-3 py-1 text-xs font-medium transition-colors",
                  on ? "border-accent bg-accent text-accent-contrast" : "border-border bg-surface text-text hover:bg-surface-2",
                )}
              >
                {tag} <span className={on ? "opacity-80" : "text-muted"}>{count}</span>
              </button>
            );
          })}
          {filtered ? (
            <button type="button" onClick={clearFilters} className="rounded-full px-3 py-1 text-xs font-medium text-accent hover:underline">
              Clear filters
            </button>
          ) : null}
        </div>
      ) : null}

      {list.error ? (
        <p role="alert" className="rounded-lg border border-danger/40 bg-danger/10 px-4 py-3 text-sm text-danger">
          Could not load contacts: {list.error.message}
        </p>
      ) : loadingFirst ? (
        <TableSkeleton />
      ) : rows.length === 0 ? (
        filtered ? (
          <EmptyState title="No contacts match">
            <button type="button" className="text-accent hover:underline" onClick={clearFilters}>
              Clear the search and filters
            </button>
          </EmptyState>
        ) : (
          <EmptyState title="No contacts yet">
            <p>People who message you appear here automatically. You can also add them one by one or import a CSV.</p>
            <div className="mt-4 flex justify-center gap-2">
              <Button onClick={() => setPanel({ kind: "create" })}>Add contact</Button>
              {canAdmin ? (
                <Button variant="secondary" onClick={() => setPanel({ kind: "import" })}>
                  Import CSV
                </Button>
              ) : null}
            </div>
          </EmptyState>
        )
      ) : (
        <div className={cx("overflow-hidden rounded-xl border border-border bg-surface transition-opacity", list.isValidating && "opacity-70")}>
          <table className="w-full table-fixed text-left text-sm">
            <thead className="border-b border-border bg-surface-2 text-xs uppercase tracking-wide text-muted">
              <tr>
                <th scope="col" className="px-4 py-3 font-medium">Name</th>
                <th scope="col" className="hidden w-44 px-4 py-3 font-medium md:table-cell">Phone</th>
                <th scope="col" className="hidden px-4 py-3 font-medium lg:table-cell">Tags</th>
                <th scope="col" className="hidden w-36 px-4 py-3 font-medium md:table-cell">Last message</th>
                <th scope="col" className="w-20 px-4 py-3 text-right font-medium">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-border">
              {rows.map((c) => (
                <tr key={c.id} className="hover:bg-surface-2/60">
                  <td className="px-4 py-3">
                    <div className="flex min-w-0 items-center gap-3">
                      <Avatar name={displayName(c)} />
                      <div className="min-w-0">
                        <div className="flex min-w-0 items-center gap-2">
                          <Link href={`/contacts/${c.id}`} className="truncate font-medium text-text hover:underline">
                            {displayName(c)}
                          </Link>
                          {c.opted_out ? <Badge tone="danger">Opted out</Badge> : null}
                        </div>
                        {c.name || c.profile_name ? (
                          <p className="truncate text-xs tabular-nums text-muted md:hidden">{formatPhone(c.phone_e164, c.wa_id)}</p>
                        ) : null}
                        {c.name && c.profile_name && c.profile_name !== c.name ? (
                          <p className="hidden truncate text-xs text-muted md:block">~{c.profile_name}</p>
                        ) : null}
                        {c.tags.length ? (
                          <p className="mt-1 flex flex-wrap gap-1 lg:hidden">
                            {c.tags.slice(0, 3).map((t) => (
                              <TagChip key={t} tag={t} />
                            ))}
                            {c.tags.length > 3 ? <span className="text-xs text-muted">+{c.tags.length - 3}</span> : null}
                          </p>
                        ) : null}
                      </div>
                    </div>
                  </td>
                  <td className="hidden px-4 py-3 tabular-nums md:table-cell">{formatPhone(c.phone_e164, c.wa_id)}</td>
                  <td className="hidden px-4 py-3 lg:table-cell">
                    <div className="flex flex-wrap gap-1">
                      {c.tags.slice(0, 4).map((t) => (
                        <TagChip key={t} tag={t} />
                      ))}
                      {c.tags.length > 4 ? <span className="text-xs text-muted">+{c.tags.length - 4}</span> : null}
                    </div>
                  </td>
                  <td className="hidden whitespace-nowrap px-4 py-3 text-muted md:table-cell">
                    <time dateTime={c.last_inbound_at ?? undefined} suppressHydrationWarning>
                      {timeAgo(c.last_inbound_at)}
                    </time>
                  </td>
                  <td className="px-4 py-3 text-right">
                    <Button variant="ghost" className="px-3 py-1.5" onClick={() => setPanel({ kind: "edit", contact: c })} aria-label={`Edit ${displayName(c)}`}>
                      Edit
                    </Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {rows.length > 0 && (cursors.length > 1 || list.data?.next_cursor) ? (
        <nav aria-label="Pages" className="mt-4 flex items-center justify-between gap-3 text-sm">
          <Button variant="secondary" disabled={cursors.length === 1} onClick={() => setCursors((c) => c.slice(0, -1))}>
            Previous
          </Button>
          <span className="text-muted">Page {cursors.length}</span>
          <Button
            variant="secondary"
            disabled={!list.data?.next_cursor}
            onClick={() => list.data?.next_cursor && setCursors((c) => [...c, list.data!.next_cursor])}
          >
            Next
          </Button>
        </nav>
      ) : null}

      {panel?.kind === "create" ? (
        <SidePanel title="Add contact" onClose={() => setPanel(null)}>
          <ContactForm canAdmin={canAdmin} onCancel={() => setPanel(null)} onSaved={(c) => saved(`${displayName(c)} was added.`)} />
        </SidePanel>
      ) : panel?.kind === "edit" ? (
        <SidePanel title={`Edit ${displayName(panel.contact)}`} onClose={() => setPanel(null)}>
          <ContactForm
            contact={panel.contact}
            canAdmin={canAdmin}
            onCancel={() => setPanel(null)}
            onSaved={(c) => saved(`${displayName(c)} was saved.`)}
            onDeleted={() => saved(`${displayName(panel.contact)} was deleted.`)}
          />
        </SidePanel>
      ) : panel?.kind === "import" ? (
        <SidePanel title="Import contacts" wide onClose={() => setPanel(null)}>
          <ImportFlow onClose={() => setPanel(null)} onDone={() => void refresh()} />
        </SidePanel>
      ) : null}
    </div>
  );
}

export function TagChip({ tag }: { tag: string }) {
  return <span className="inline-flex max-w-full truncate rounded-full bg-surface-3 px-2 py-0.5 text-xs text-text">{tag}</span>;
}

function Avatar({ name }: { name: string }) {
  // Letters only: a name like "John ✨" gives "J", a number gives the fallback.
  const initials = name
    .split(/\s+/)
    .map((w) => w.match(/\p{L}/u)?.[0]?.toUpperCase())
    .filter(Boolean)
    .slice(0, 2)
    .join("");
  return (
    <span aria-hidden="true" className="flex h-9 w-9 shrink-0 items-center justify-center rounded-full bg-surface-3 text-xs font-semibold text-muted">
      {initials || "#"}
    </span>
  );
}
