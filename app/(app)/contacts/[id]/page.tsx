import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { requirePageOrg } from "@/app/_server/page-caller";
import { ContactActions } from "@/components/contacts/contact-actions";
import { formatDateTime, formatPhone, replyWindow } from "@/components/contacts/format";
import { displayName, type ContactDto } from "@/components/contacts/types";
import { Badge, Card } from "@/components/ui";
import { getContact } from "@/lib/contacts/contacts";
import { withTenant } from "@/lib/db/tx";
import { ApiError } from "@/lib/http/errors";

export const metadata: Metadata = { title: "Contact" };

export default async function ContactPage({ params }: { params: Promise<{ id: string }> }) {
  const caller = await requirePageOrg();
  const { id } = await params;
  // Another organization's id (or no such id) is simply not found: RLS and the org filter agree.
  const contact = await withTenant(caller.claims, (db) => getContact(db, caller.orgId, id)).catch((err) => {
    if (err instanceof ApiError && err.status === 404) notFound();
    throw err;
  });
  const dto = JSON.parse(JSON.stringify(contact)) as ContactDto;
  const canAdmin = caller.role === "owner" || caller.role === "admin";
  const reply = replyWindow(dto.last_inbound_at);
  const attributes = Object.entries(dto.attributes);

  return (
    <div className="max-w-4xl space-y-6">
      <Link href="/contacts" className="inline-flex items-center gap-1 text-sm text-muted hover:text-text">
        <span aria-hidden="true">←</span> Contacts
      </Link>
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div className="min-w-0">
          <div className="flex flex-wrap items-center gap-2">
            <h1 className="truncate text-2xl font-semibold">{displayName(dto)}</h1>
            {dto.opted_out ? <Badge tone="danger">Opted out</Badge> : <Badge tone="success">Subscribed</Badge>}
          </div>
          <p className="mt-1 tabular-nums text-muted">{formatPhone(dto.phone_e164, dto.wa_id)}</p>
        </div>
        <div className="flex flex-wrap gap-2">
          <Link
            href={`/inbox?contact=${dto.id}`}
            className="inline-flex items-center justify-center gap-2 rounded-lg bg-accent px-4 py-2 text-sm font-medium text-accent-contrast transition-colors hover:bg-accent-strong"
          >
            Open conversation
          </Link>
          <ContactActions contact={dto} canAdmin={canAdmin} />
        </div>
      </div>

      <div className="grid gap-6 md:grid-cols-2">
        <Card>
          <h2 className="mb-4 text-lg font-semibold">Details</h2>
          <dl className="space-y-3 text-sm">
            <Row label="WhatsApp ID">
              <span className="font-mono">{dto.wa_id}</span>
            </Row>
            <Row label="WhatsApp profile name">{dto.profile_name ?? "—"}</Row>
            <Row label="Tags">
              {dto.tags.length ? (
                <span className="flex flex-wrap gap-1">
                  {dto.tags.map((t) => (
                    <span key={t} className="rounded-full bg-surface-3 px-2 py-0.5 text-xs">
                      {t}
                    </span>
                  ))}
                </span>
              ) : (
                "—"
              )}
            </Row>
            <Row label="Last message from them">{formatDateTime(dto.last_inbound_at)}</Row>
            <Row label="24-hour window">
              {reply.open ? (
                <span className="text-success">Open until {formatDateTime(reply.endsAt)}</span>
              ) : (
                <span className="text-muted">Closed — start with a template</span>
              )}
            </Row>
            <Row label="Messages">
              {dto.opted_out ? (
                <span className="text-danger">Opted out {dto.opted_out_at ? formatDateTime(dto.opted_out_at) : ""}</span>
              ) : (
                "Subscribed"
              )}
            </Row>
            <Row label="Added">{formatDateTime(dto.created_at)}</Row>
          </dl>
        </Card>
        <Card>
          <h2 className="mb-4 text-lg font-semibold">Custom fields</h2>
          {attributes.length ? (
            <dl className="space-y-3 text-sm">
              {attributes.map(([k, v]) => (
                <Row key={k} label={k}>
                  <span className="break-words">{String(v)}</span>
                </Row>
              ))}
            </dl>
          ) : (
            <p className="text-sm text-muted">No custom fields. {canAdmin ? "Add them with Edit or a CSV import." : ""}</p>
          )}
        </Card>
      </div>
    </div>
  );
}

function Row({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="grid grid-cols-[minmax(0,10rem)_1fr] gap-3">
      <dt className="text-muted">{label}</dt>
      <dd className="min-w-0">{children}</dd>
    </div>
  );
}
