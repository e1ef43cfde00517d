import Papa from "papaparse";
import type { Contact } from "./contacts";

// CSV export: one row per contact, tags joined with "; " (what the importer splits on), and one
// column per attribute. Papa.unparse quotes correctly; escapeFormulae prefixes cells starting
// with = + - @ tab or CR with a ' so a spreadsheet shows them as text instead of running them
// (CSV formula injection). The importer strips that ' again, so an export re-imports cleanly.

const FIXED = ["phone", "wa_id", "name", "profile_name", "tags", "opted_out", "opted_out_at", "last_inbound_at", "created_at"];

export function contactsToCsv(contacts: Contact[]): string {
  const attributeKeys = [...new Set(contacts.flatMap((c) => Object.keys(c.attributes ?? {})))].sort((a, b) => a.localeCompare(b));
  const taken = new Set(FIXED);
  // An attribute called like a fixed column gets a prefix rather than a second, ambiguous column.
  const attributeColumns = attributeKeys.map((key) => {
    let column = taken.has(key.toLowerCase()) ? `attribute ${key}` : key;
    while (taken.has(column.toLowerCase())) column = `${column}_`;
    taken.add(column.toLowerCase());
    return { key, column };
  });
  const iso = (d: Date | null) => (d ? new Date(d).toISOString() : "");
  const rows = contacts.map((c) => [
    c.phone_e164 ?? `+${c.wa_id}`,
    c.wa_id,
    c.name ?? "",
    c.profile_name ?? "",
    c.tags.join("; "),
    c.opted_out ? "true" : "false",
    iso(c.opted_out_at),
    iso(c.last_inbound_at),
    iso(c.created_at),
    ...attributeColumns.map(({ key }) => {
      const v = c.attributes?.[key];
      return v === undefined || v === null ? "" : String(v);
    }),
  ]);
  return Papa.unparse({ fields: [...FIXED, ...attributeColumns.map((a) => a.column)], data: rows }, { escapeFormulae: true, newline: "\r\n" });
}

export function exportFilename(now = new Date()): string {
  return `contacts-${now.toISOString().slice(0, 10)}.csv`;
}
