"use client";

import { useId, useState } from "react";
import { Badge, Button, cx } from "@/components/ui";
import { contactsApi, ContactRequestError } from "./api";
import { formatPhone } from "./format";

interface PreviewRow {
  row: number;
  status: "ok" | "merged" | "rejected";
  phone: string;
  phone_e164: string | null;
  name: string | null;
  tags: string[];
  attributes: Record<string, string>;
  action?: "create" | "update";
  reason?: string;
}
interface Preview {
  encoding: string;
  columns: { phone: string; name: string | null; tags: string | null; attributes: string[]; ignored: string[] };
  summary: { rows: number; create: number; update: number; merged: number; rejected: number };
  rows: PreviewRow[];
  rejected_rows: Array<{ row: number; phone: string; reason: string }>;
}
interface Result {
  created: number;
  updated: number;
  merged: number;
  rejected: number;
  rejected_rows: Array<{ row: number; phone: string; reason: string }>;
}

const MAX_BYTES = 5 * 1024 * 1024;

/** "row 7: missing phone." → "Missing phone." (the row number has its own column). */
const reasonText = (reason?: string) => {
  const text = (reason ?? "").replace(/^row \d+: /, "");
  return text.charAt(0).toUpperCase() + text.slice(1);
};

/** Choose a CSV → see what will happen to each row → confirm → see what happened. */
export function ImportFlow({ onDone, onClose }: { onDone: () => void; onClose: () => void }) {
  const inputId = useId();
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [result, setResult] = useState<Result | null>(null);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [onlyRejected, setOnlyRejected] = useState(false);

  async function send(dryRun: boolean) {
    if (!file) return;
    setBusy(true);
    setError(undefined);
    const form = new FormData();
    form.append("file", file);
    try {
      if (dryRun) {
        setPreview(await contactsApi<Preview>("/api/contacts/import?dry_run=1", { method: "POST", form }));
      } else {
        setResult(await contactsApi<Result>("/api/contacts/import", { method: "POST", form }));
        onDone();
      }
    } catch (err) {
      setError(err instanceof ContactRequestError ? err.message : "Could not reach the server. Try again.");
    } finally {
      setBusy(false);
    }
  }

  function choose(f: File | null) {
    setPreview(null);
    setResult(null);
    setError(f && f.size > MAX_BYTES ? "This file is larger than 5 MB; split it into smaller files." : undefined);
    setFile(f && f.size <= MAX_BYTES ? f : null);
  }

  if (result) {
    return (
      <div className="space-y-5">
        <div role="status" className="rounded-lg border border-success/40 bg-success/10 px-4 py-3 text-sm">
          <p className="font-medium text-text">Import finished.</p>
          <p className="mt-1 text-muted">
            {result.created} added, {result.updated} updated, {result.merged} duplicate rows merged, {result.rejected} skipped.
          </p>
        </div>
        <Stats
          items={[
            ["Added", result.created, "success"],
            ["Updated", result.updated, "accent"],
            ["Merged", result.merged, "neutral"],
            ["Skipped", result.rejected, result.rejected ? "danger" : "neutral"],
          ]}
        />
        {result.rejected_rows.length ? <RejectedList rows={result.rejected_rows} /> : null}
        <div className="flex gap-2">
          <Button onClick={onClose}>Done</Button>
          <Button variant="secondary" onClick={() => choose(null)}>
            Import another file
          </Button>
        </div>
      </div>
    );
  }

  if (preview) {
    const rows = onlyRejected ? preview.rows.filter((r) => r.status === "rejected") : preview.rows;
    const accepted = preview.summary.create + preview.summary.update;
    return (
      <div className="space-y-5">
        <p className="text-sm text-muted">
          <span className="font-medium text-text">{file?.name}</span> · {preview.summary.rows} rows · phone from “{preview.columns.phone}”
          {preview.columns.name ? `, name from “${preview.columns.name}”` : ""}
          {preview.columns.tags ? `, tags from “${preview.columns.tags}”` : ""}
          {preview.columns.attributes.length ? `; custom fields: ${preview.columns.attributes.join(", ")}` : ""}.
          {preview.columns.ignored.length ? ` Ignored: ${preview.columns.ignored.join(", ")}.` : ""}
          {preview.encoding !== "utf-8" ? " Read as Windows-1252 (Excel CSV)." : ""}
        </p>
        <Stats
          items={[
            ["New", preview.summary.create, "success"],
            ["Update existing", preview.summary.update, "accent"],
            ["Duplicates merged", preview.summary.merged, "neutral"],
            ["Rejected", preview.summary.rejected, preview.summary.rejected ? "danger" : "neutral"],
          ]}
        />
        <div className="flex flex-wrap items-center justify-between gap-2">
          <h3 className="text-sm font-semibold">
            Rows{preview.rows.length < preview.summary.rows && !onlyRejected ? ` (first ${preview.rows.length})` : ""}
          </h3>
          <label className="flex items-center gap-2 text-sm text-muted">
            <input type="checkbox" checked={onlyRejected} onChange={(e) => setOnlyRejected(e.target.checked)} className="h-4 w-4 accent-[var(--accent)]" />
            Show rejected only
          </label>
        </div>
        <div className="max-h-[45vh] overflow-auto rounded-lg border border-border">
          <table className="w-full text-left text-sm">
            <thead className="sticky top-0 bg-surface-2 text-xs uppercase tracking-wide text-muted">
              <tr>
                <th scope="col" className="px-3 py-2 font-medium">Row</th>
                <th scope="col" className="px-3 py-2 font-medium">Phone</th>
                <th scope="col" className="hidden px-3 py-2 font-medium sm:table-cell">Name</th>
                <th scope="col" className="px-3 py-2 font-medium">Result</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-border">
              {rows.map((r) => (
                <tr key={r.row} className={cx(r.status === "rejected" && "bg-danger/5")}>
                  <td className="px-3 py-2 align-top tabular-nums text-muted">{r.row}</td>
                  <td className="px-3 py-2 align-top">
                    <span className="whitespace-nowrap tabular-nums">
                      {r.phone_e164 ? formatPhone(r.phone_e164) : r.phone || <em className="text-muted">empty</em>}
                    </span>
                    <span className="block text-xs text-muted sm:hidden">{r.name}</span>
                  </td>
                  <td className="hidden px-3 py-2 align-top sm:table-cell">
                    {r.name ?? <span className="text-muted">—</span>}
                    {r.tags.length ? <span className="block text-xs text-muted">{r.tags.join(", ")}</span> : null}
                  </td>
                  <td className="px-3 py-2 align-top">
                    {r.status === "rejected" ? (
                      <>
                        <Badge tone="danger">Rejected</Badge>
                        <span className="mt-1 block text-xs text-danger">{reasonText(r.reason)}</span>
                      </>
                    ) : r.status === "merged" ? (
                      <>
                        <Badge>Merged</Badge>
                        <span className="mt-1 block text-xs text-muted">{reasonText(r.reason)}</span>
                      </>
                    ) : r.action === "update" ? (
                      <Badge tone="accent">Update</Badge>
                    ) : (
                      <Badge tone="success">New</Badge>
                    )}
                  </td>
                </tr>
              ))}
              {rows.length === 0 ? (
                <tr>
                  <td colSpan={4} className="px-3 py-6 text-center text-muted">
                    No rejected rows.
                  </td>
                </tr>
              ) : null}
            </tbody>
          </table>
        </div>
        {error ? <ErrorNote text={error} /> : null}
        <div className="flex flex-wrap gap-2">
          <Button onClick={() => send(false)} disabled={busy || accepted === 0}>
            {busy ? "Importing…" : `Import ${accepted} contact${accepted === 1 ? "" : "s"}`}
          </Button>
          <Button variant="secondary" onClick={() => choose(null)} disabled={busy}>
            Choose another file
          </Button>
        </div>
        <p className="text-xs text-muted">
          Existing contacts keep their name and opt-out; tags are added and custom fields updated.
        </p>
      </div>
    );
  }

  return (
    <div className="space-y-5">
      <div className="space-y-2 text-sm text-muted">
        <p>
          Upload a CSV with a <strong className="text-text">phone</strong> column (or number, mobile, wa_id). Optional:{" "}
          <strong className="text-text">name</strong> and <strong className="text-text">tags</strong> (separated by ; or |). Any other column
          becomes a custom field.
        </p>
        <p>Indian numbers may be written without +91. Up to 50,000 rows or 5 MB. You will see a preview before anything is saved.</p>
      </div>
      <div className="space-y-1">
        <label htmlFor={inputId} className="block text-sm font-medium">
          CSV file
        </label>
        <input
          id={inputId}
          type="file"
          accept=".csv,text/csv"
          onChange={(e) => choose(e.target.files?.[0] ?? null)}
          className="block w-full rounded-lg border border-dashed border-border bg-surface-2 p-3 text-sm text-muted file:mr-3 file:rounded-md file:border-0 file:bg-surface-3 file:px-3 file:py-1.5 file:text-sm file:font-medium file:text-text"
        />
      </div>
      {error ? <ErrorNote text={error} /> : null}
      <div className="flex gap-2">
        <Button onClick={() => send(true)} disabled={!file || busy}>
          {busy ? "Reading…" : "Preview"}
        </Button>
        <Button variant="secondary" onClick={onClose}>
          Cancel
        </Button>
      </div>
    </div>
  );
}

function Stats({ items }: { items: Array<[string, number, "success" | "accent" | "neutral" | "danger"]> }) {
  const tone = { success: "text-success", accent: "text-accent", neutral: "text-text", danger: "text-danger" };
  return (
    <dl className="grid grid-cols-2 gap-2 sm:grid-cols-4">
      {items.map(([label, value, t]) => (
        <div key={label} className="rounded-lg bg-surface-2 px-3 py-2">
          <dt className="text-xs text-muted">{label}</dt>
          <dd className={cx("text-xl font-semibold tabular-nums", tone[t])}>{value.toLocaleString("en-IN")}</dd>
        </div>
      ))}
    </dl>
  );
}

function RejectedList({ rows }: { rows: Array<{ row: number; phone: string; reason: string }> }) {
  return (
    <div>
      <h3 className="mb-2 text-sm font-semibold">Skipped rows</h3>
      <ul className="max-h-64 space-y-1 overflow-auto rounded-lg border border-border p-3 text-sm">
        {rows.map((r) => (
          <li key={r.row} className="text-danger">
            {r.reason.charAt(0).toUpperCase() + r.reason.slice(1)}
          </li>
        ))}
      </ul>
    </div>
  );
}

function ErrorNote({ text }: { text: string }) {
  return (
    <p role="alert" className="rounded-lg border border-danger/40 bg-danger/10 px-3 py-2 text-sm text-danger">
      {text}
    </p>
  );
}
