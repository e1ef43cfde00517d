"use client";

import Link from "next/link";
import { useId, useState } from "react";
import { Button, Field, Input } from "@/components/ui";
import { contactsApi, ContactRequestError } from "./api";
import { formatDateTime, formatPhone } from "./format";
import type { ContactDto } from "./types";

type AttrRow = { key: string; value: string; original?: string };

const toRows = (attrs: ContactDto["attributes"]): AttrRow[] =>
  Object.entries(attrs).map(([key, v]) => ({ key, value: String(v), original: key }));

/**
 * Add or edit one contact. Validation is the server's: each field shows the message the API
 * returned for it. Agents see name and tags only (the API refuses the rest for them).
 */
export function ContactForm({
  contact,
  canAdmin,
  onSaved,
  onDeleted,
  onCancel,
}: {
  contact?: ContactDto;
  canAdmin: boolean;
  onSaved: (c: ContactDto) => void;
  onDeleted?: (id: string) => void;
  onCancel: () => void;
}) {
  const id = useId();
  const editing = Boolean(contact);
  const [phone, setPhone] = useState("");
  const [name, setName] = useState(contact?.name ?? "");
  const [tags, setTags] = useState((contact?.tags ?? []).join(", "));
  const [attrs, setAttrs] = useState<AttrRow[]>(contact ? toRows(contact.attributes) : []);
  const [optedOut, setOptedOut] = useState(contact?.opted_out ?? false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<{ text: string; existingId?: string }>();
  const [busy, setBusy] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);

  function attributesPayload(): Record<string, string | null> | undefined {
    if (!canAdmin) return undefined;
    const out: Record<string, string | null> = {};
    const kept = new Set<string>();
    for (const row of attrs) {
      const key = row.key.trim();
      if (!key) continue;
      kept.add(key);
      const before = contact?.attributes[key];
      if (before === undefined || String(before) !== row.value) out[key] = row.value;
    }
    // Keys that were removed or renamed are cleared (merge patch: null removes).
    for (const key of Object.keys(contact?.attributes ?? {})) if (!kept.has(key)) out[key] = null;
    return Object.keys(out).length ? out : editing ? undefined : {};
  }

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    setMessage(undefined);
    const tagList = tags
      .split(",")
      .map((t) => t.trim())
      .filter(Boolean);
    const body: Record<string, unknown> = { name, tags: tagList };
    const attributes = attributesPayload();
    if (attributes !== undefined) body.attributes = attributes;
    if (canAdmin && (!editing || optedOut !== contact?.opted_out)) body.opted_out = optedOut;
    if (!editing) body.phone = phone;
    try {
      const res = await contactsApi<{ data: ContactDto }>(editing ? `/api/contacts/${contact!.id}` : "/api/contacts", {
        method: editing ? "PATCH" : "POST",
        body,
      });
      onSaved(res.data);
    } catch (err) {
      if (err instanceof ContactRequestError) {
        setErrors(err.fields);
        const existingId = typeof err.details.existing_id === "string" ? err.details.existing_id : undefined;
        if (!Object.keys(err.fields).length || existingId) setMessage({ text: err.message, existingId });
      } else {
        setMessage({ text: "Could not reach the server. Check your connection and try again." });
      }
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    if (!contact) return;
    setBusy(true);
    try {
      await contactsApi(`/api/contacts/${contact.id}`, { method: "DELETE" });
      onDeleted?.(contact.id);
    } catch (err) {
      setMessage({ text: err instanceof Error ? err.message : "Could not delete the contact." });
      setBusy(false);
    }
  }

  const describedBy = (field: string, hint = false) =>
    errors[field] ? `${id}-${field}-error` : hint ? `${id}-${field}-hint` : undefined;

  return (
    <form onSubmit={submit} noValidate className="space-y-5">
      {editing ? (
        <div className="rounded-lg bg-surface-2 px-3 py-2 text-sm">
          <p className="text-muted">WhatsApp number</p>
          <p className="font-medium tabular-nums">{formatPhone(contact!.phone_e164, contact!.wa_id)}</p>
          {contact!.profile_name ? <p className="mt-1 text-xs text-muted">WhatsApp profile: {contact!.profile_name}</p> : null}
        </div>
      ) : (
        <Field label="Phone number" htmlFor={`${id}-phone`} error={errors.phone} hint="Indian numbers can be typed without +91.">
          <Input
            id={`${id}-phone`}
            name="phone"
            type="tel"
            inputMode="tel"
            autoComplete="off"
            placeholder="98765 43210"
            value={phone}
            onChange={(e) => setPhone(e.target.value)}
            aria-invalid={Boolean(errors.phone)}
            aria-describedby={describedBy("phone", true)}
            required
            autoFocus
          />
        </Field>
      )}

      <Field label="Name" htmlFor={`${id}-name`} error={errors.name}>
        <Input
          id={`${id}-name`}
          name="name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          aria-invalid={Boolean(errors.name)}
          aria-describedby={describedBy("name")}
          maxLength={200}
          autoFocus={editing}
        />
      </Field>

      <Field label="Tags" htmlFor={`${id}-tags`} error={errors.tags} hint="Separate tags with commas, e.g. vip, pune. Up to 20.">
        <Input
          id={`${id}-tags`}
          name="tags"
          value={tags}
          onChange={(e) => setTags(e.target.value)}
          aria-invalid={Boolean(errors.tags)}
          aria-describedby={describedBy("tags", true)}
          placeholder="vip, pune"
        />
      </Field>

      {canAdmin ? (
        <fieldset className="space-y-2">
          <legend className="text-sm font-medium">Custom fields</legend>
          {attrs.length === 0 ? <p className="text-xs text-muted">None yet — e.g. city, customer id.</p> : null}
          {attrs.map((row, i) => (
            <div key={i} className="flex gap-2">
              <Input
                aria-label={`Field ${i + 1} name`}
                placeholder="Name"
                value={row.key}
                onChange={(e) => setAttrs((a) => a.map((r, j) => (j === i ? { ...r, key: e.target.value } : r)))}
                className="w-2/5"
              />
              <Input
                aria-label={`Field ${i + 1} value`}
                placeholder="Value"
                value={row.value}
                onChange={(e) => setAttrs((a) => a.map((r, j) => (j === i ? { ...r, value: e.target.value } : r)))}
              />
              <button
                type="button"
                onClick={() => setAttrs((a) => a.filter((_, j) => j !== i))}
                aria-label={`Remove field ${row.key || i + 1}`}
                className="shrink-0 rounded-lg px-2 text-muted hover:bg-surface-2 hover:text-danger"
              >
                ✕
              </button>
            </div>
          ))}
          {errors.attributes ? (
            <p role="alert" className="text-xs text-danger">
              {errors.attributes}
            </p>
          ) : null}
          <button
            type="button"
            onClick={() => setAttrs((a) => [...a, { key: "", value: "" }])}
            className="rounded-lg px-2 py-1 text-sm font-medium text-accent hover:bg-surface-2"
          >
            + Add field
          </button>
        </fieldset>
      ) : null}

      {canAdmin ? (
        <div className="space-y-1">
          <label className="flex items-start gap-3 text-sm">
            <input
              type="checkbox"
              checked={optedOut}
              onChange={(e) => setOptedOut(e.target.checked)}
              className="mt-0.5 h-4 w-4 accent-[var(--danger)]"
            />
            <span>
              <span className="font-medium">Opted out of messages</span>
              <span className="block text-xs text-muted">
                Nothing is sent to an opted-out contact. They can opt back in by sending START.
                {contact?.opted_out_at ? ` Opted out ${formatDateTime(contact.opted_out_at)}.` : ""}
              </span>
            </span>
          </label>
          {errors.opted_out ? <p className="text-xs text-danger">{errors.opted_out}</p> : null}
        </div>
      ) : null}

      {message ? (
        <div role="alert" className="rounded-lg border border-danger/40 bg-danger/10 px-3 py-2 text-sm text-danger">
          {message.text}{" "}
          {message.existingId ? (
            <Link href={`/contacts/${message.existingId}`} className="font-medium underline">
              Open that contact
            </Link>
          ) : null}
        </div>
      ) : null}

      <div className="flex flex-wrap items-center gap-2 pt-1">
        <Button type="submit" disabled={busy}>
          {busy ? "Saving…" : editing ? "Save changes" : "Add contact"}
        </Button>
        <Button type="button" variant="secondary" onClick={onCancel} disabled={busy}>
          Cancel
        </Button>
        {editing && canAdmin && onDeleted ? (
          confirmDelete ? (
            <span className="ml-auto flex items-center gap-2 text-sm">
              <span className="text-muted">Delete?</span>
              <Button type="button" variant="danger" onClick={remove} disabled={busy} className="px-3 py-1.5">
                Delete
              </Button>
              <Button type="button" variant="secondary" onClick={() => setConfirmDelete(false)} className="px-3 py-1.5">
                Keep
              </Button>
            </span>
          ) : (
            <button
              type="button"
              onClick={() => setConfirmDelete(true)}
              className="ml-auto rounded-lg px-3 py-2 text-sm font-medium text-danger hover:bg-danger/10"
            >
              Delete
            </button>
          )
        ) : null}
      </div>
    </form>
  );
}
