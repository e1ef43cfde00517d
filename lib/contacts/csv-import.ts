import Papa from "papaparse";
import type { Db } from "../db/tx";
import { ApiError } from "../http/errors";
import { normalizePhone } from "./phone";
import {
  attributeCountProblem,
  cleanTag,
  MAX_ATTRIBUTE_KEY_LENGTH,
  MAX_ATTRIBUTE_VALUE_LENGTH,
  MAX_ATTRIBUTES,
  MAX_NAME_LENGTH,
  MAX_TAGS,
  tagProblem,
  type Attributes,
} from "./schema";

// CSV import in two steps over the same file: preview (parse, normalize, say what would happen
// to every row) and commit (the same plan, applied in the caller's one transaction). Merging
// into an existing contact fills an empty name, unions tags and merges attributes; it never
// touches the opt-out, so an import cannot re-subscribe someone who said STOP.

export const IMPORT_MAX_BYTES = 5 * 1024 * 1024;
export const IMPORT_MAX_ROWS = 50_000;

const PHONE_COLUMNS = ["phone", "phone_number", "mobile", "mobile_number", "number", "whatsapp", "whatsapp_number", "wa_id"];
const NAME_COLUMNS = ["name", "full_name", "contact_name"];
const TAG_COLUMNS = ["tags", "tag", "labels"];
/** Columns our export writes that the platform manages itself; an import reads them as nothing. */
const MANAGED_COLUMNS = ["id", "wa_id", "profile_name", "opted_out", "opted_out_at", "last_inbound_at", "created_at", "updated_at"];

export interface ImportColumns {
  phone: string;
  name: string | null;
  tags: string | null;
  attributes: string[];
  ignored: string[];
}

export type RowStatus = "ok" | "merged" | "rejected";

export interface ImportRow {
  /** The row number as a spreadsheet shows it: the header is row 1. */
  row: number;
  status: RowStatus;
  /** The phone cell as written. */
  phone: string;
  wa_id: string | null;
  phone_e164: string | null;
  name: string | null;
  tags: string[];
  attributes: Attributes;
  /** For ok rows once planned against the database: a new contact or a merge into an existing one. */
  action?: "create" | "update";
  merged_into_row?: number;
  reason?: string;
}

export interface ParsedImport {
  columns: ImportColumns;
  encoding: "utf-8" | "windows-1252";
  rows: ImportRow[];
}

const headerKey = (h: string) => h.trim().toLowerCase().replace(/[\s-]+/g, "_");

/** Undoes our export's formula escaping ('=…) and the spreadsheet habit of a leading ' for text. */
function cell(value: string | undefined): string {
  const v = (value ?? "").trim();
  return v.startsWith("'") && /^'[=+\-@\t\r0-9]/.test(v) ? v.slice(1) : v;
}

/**
 * Decodes an uploaded file: UTF-8 (with or without BOM), else Windows-1252, which is what
 * Excel's plain "CSV" writes on Windows. Binary files are refused.
 */
export function decodeCsv(bytes: Uint8Array): { text: string; encoding: ParsedImport["encoding"] } {
  if (bytes.includes(0)) throw new ApiError(400, "invalid_csv", "This file is not a CSV text file.");
  try {
    return { text: new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes), encoding: "utf-8" };
  } catch {
    return { text: new TextDecoder("windows-1252").decode(bytes), encoding: "windows-1252" };
  }
}

/** Parses and validates a CSV; throws a 400 for a file that cannot be read as a contact list. */
export function parseContactsCsv(text: string, encoding: ParsedImport["encoding"] = "utf-8"): ParsedImport {
  const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ""), {
    header: false,
    skipEmptyLines: "greedy",
    delimitersToGuess: [",", ";", "\t"],
    preview: IMPORT_MAX_ROWS + 2,
  });
  const fatal = parsed.errors.find((e) => e.type === "Quotes");
  if (fatal) {
    const near = typeof fatal.row === "number" ? ` near row ${fatal.row + 1}` : "";
    throw new ApiError(
      400,
      "invalid_csv",
      `The file is not valid CSV: a quoted cell is never closed or has stray text after its closing quote${near}. Check for a stray " character.`,
    );
  }
  const [header, ...records] = parsed.data;
  if (!header || header.every((h) => !h.trim())) throw new ApiError(400, "invalid_csv", "The file is empty.");
  if (records.length === 0) throw new ApiError(400, "invalid_csv", "The file has a header row but no contacts.");
  if (records.length > IMPORT_MAX_ROWS) {
    throw new ApiError(400, "too_many_rows", `The file has more than ${IMPORT_MAX_ROWS.toLocaleString("en-IN")} rows; split it into smaller files.`, {
      max_rows: IMPORT_MAX_ROWS,
    });
  }
  const { columns, index } = detectColumns(header);
  const phoneIsWaId = headerKey(columns.phone) === "wa_id";

  const rows: ImportRow[] = [];
  const firstByWaId = new Map<string, ImportRow>();
  records.forEach((rec, i) => {
    const rowNo = i + 2;
    const phone = cell(rec[index.phone]);
    const row: ImportRow = { row: rowNo, status: "ok", phone, wa_id: null, phone_e164: null, name: null, tags: [], attributes: {} };
    rows.push(row);
    const reject = (reason: string) => {
      row.status = "rejected";
      row.reason = `row ${rowNo}: ${reason}`;
    };
    if (rec.length > header.length && rec.slice(header.length).some((v) => v.trim())) {
      return reject(`has ${rec.length} cells but the header has ${header.length}; check for an unquoted comma.`);
    }
    if (!phone) return reject("missing phone.");
    const normalized = normalizePhone(phoneIsWaId && /^\d+$/.test(phone) ? `+${phone}` : phone);
    if (!normalized.ok) return reject(normalized.reason.replace(/\.$/, "") + ".");
    row.wa_id = normalized.waId;
    row.phone_e164 = normalized.e164;
    const name = index.name >= 0 ? cell(rec[index.name]) : "";
    row.name = name || null;
    if (row.name && row.name.length > MAX_NAME_LENGTH) return reject(`the name is longer than ${MAX_NAME_LENGTH} characters.`);
    const rawTags = index.tags >= 0 ? cell(rec[index.tags]) : "";
    row.tags = [...new Set(rawTags.split(/[;|]/).map(cleanTag).filter(Boolean))];
    for (const t of row.tags) {
      const problem = tagProblem(t);
      if (problem) return reject(problem.charAt(0).toLowerCase() + problem.slice(1));
    }
    if (row.tags.length > MAX_TAGS) return reject(`has ${row.tags.length} tags; a contact can have at most ${MAX_TAGS}.`);
    for (const { key, at } of index.attributes) {
      const v = cell(rec[at]);
      if (!v) continue;
      if (v.length > MAX_ATTRIBUTE_VALUE_LENGTH) return reject(`'${key}' is longer than ${MAX_ATTRIBUTE_VALUE_LENGTH} characters.`);
      row.attributes[key] = v;
    }

    const first = firstByWaId.get(normalized.waId);
    if (!first) {
      firstByWaId.set(normalized.waId, row);
      return;
    }
    // The same person twice in one file: fold this row into the first one.
    const tags = [...new Set([...first.tags, ...row.tags])];
    const attributes = { ...first.attributes, ...row.attributes };
    if (tags.length > MAX_TAGS) return reject(`same number as row ${first.row}; together they would have more than ${MAX_TAGS} tags.`);
    first.name ??= row.name;
    first.tags = tags;
    first.attributes = attributes;
    row.status = "merged";
    row.merged_into_row = first.row;
    row.reason = `row ${rowNo}: same number as row ${first.row}; merged into it.`;
  });
  return { columns, encoding, rows };
}

interface ColumnIndex {
  phone: number;
  name: number;
  tags: number;
  attributes: Array<{ key: string; at: number }>;
}

/** Finds the phone, name and tag columns (case-insensitively); every other named column is an attribute. */
export function detectColumns(header: string[]): { columns: ImportColumns; index: ColumnIndex } {
  const keys = header.map(headerKey);
  const phoneIdx = PHONE_COLUMNS.map((c) => keys.indexOf(c)).find((i) => i >= 0);
  if (phoneIdx === undefined) {
    throw new ApiError(
      400,
      "missing_phone_column",
      `The file has no phone column. Name one column phone, number, mobile or wa_id (found: ${header.map((h) => `'${h.trim()}'`).join(", ")}).`,
    );
  }
  const pick = (names: string[]) => {
    const i = names.map((c) => keys.indexOf(c)).find((j) => j >= 0);
    return i === undefined ? -1 : i;
  };
  const nameIdx = pick(NAME_COLUMNS);
  const tagsIdx = pick(TAG_COLUMNS);
  const attributes: Array<{ key: string; at: number }> = [];
  const ignored: string[] = [];
  const seen = new Set<string>();
  header.forEach((h, i) => {
    const label = h.trim();
    if (i === phoneIdx || i === nameIdx || i === tagsIdx) return;
    if (!label || MANAGED_COLUMNS.includes(keys[i]) || seen.has(label) || label.length > MAX_ATTRIBUTE_KEY_LENGTH) {
      ignored.push(label || `(unnamed column ${i + 1})`);
      return;
    }
    seen.add(label);
    attributes.push({ key: label, at: i });
  });
  if (attributes.length > MAX_ATTRIBUTES) {
    throw new ApiError(400, "too_many_columns", `The file has ${attributes.length} extra columns; a contact can have at most ${MAX_ATTRIBUTES} attributes.`);
  }
  return {
    columns: {
      phone: header[phoneIdx].trim(),
      name: nameIdx >= 0 ? header[nameIdx].trim() : null,
      tags: tagsIdx >= 0 ? header[tagsIdx].trim() : null,
      attributes: attributes.map((a) => a.key),
      ignored,
    },
    index: { phone: phoneIdx, name: nameIdx, tags: tagsIdx, attributes },
  };
}

interface Existing {
  wa_id: string;
  tags: string[];
  attributes: Attributes;
}

/**
 * Marks each ok row as a create or an update of an existing contact, and rejects merges that
 * would break a contact's limits. With `lock`, the existing contacts stay locked until commit.
 */
export async function planImport(db: Db, orgId: string, parsed: ParsedImport, opts: { lock: boolean }): Promise<ImportRow[]> {
  const ok = parsed.rows.filter((r) => r.status === "ok");
  const existing = new Map<string, Existing>();
  const CHUNK = 10_000;
  for (let i = 0; i < ok.length; i += CHUNK) {
    const { rows } = await db.query<Existing>(
      `select wa_id, tags, attributes from public.contacts where org_id = $1 and wa_id = any($2::text[])
       order by wa_id ${opts.lock ? "for update" : ""}`,
      [orgId, ok.slice(i, i + CHUNK).map((r) => r.wa_id)],
    );
    for (const r of rows) existing.set(r.wa_id, r);
  }
  for (const row of ok) {
    const found = existing.get(row.wa_id!);
    row.action = found ? "update" : "create";
    if (!found) continue;
    const tags = new Set([...found.tags, ...row.tags]);
    if (tags.size > MAX_TAGS) {
      row.status = "rejected";
      row.reason = `row ${row.row}: the existing contact already has ${found.tags.length} tags; adding these would make more than ${MAX_TAGS}.`;
      delete row.action;
      continue;
    }
    const problem = attributeCountProblem({ ...found.attributes, ...row.attributes });
    if (problem) {
      row.status = "rejected";
      row.reason = `row ${row.row}: merging with the existing contact would give more than ${MAX_ATTRIBUTES} attributes.`;
      delete row.action;
    }
  }
  return parsed.rows;
}

export interface ImportSummary {
  rows: number;
  create: number;
  update: number;
  merged: number;
  rejected: number;
}

export function summarize(rows: ImportRow[]): ImportSummary {
  const s: ImportSummary = { rows: rows.length, create: 0, update: 0, merged: 0, rejected: 0 };
  for (const r of rows) {
    if (r.status === "rejected") s.rejected++;
    else if (r.status === "merged") s.merged++;
    else if (r.action === "update") s.update++;
    else s.create++;
  }
  return s;
}

export interface ImportResult {
  created: number;
  updated: number;
  merged: number;
  rejected: number;
  rejected_rows: Array<{ row: number; phone: string; reason: string }>;
}

/**
 * Applies an import in the caller's transaction (call it inside one withTenant/withService):
 * locks the contacts it will merge into, re-plans against them, then upserts in batches.
 */
export async function commitImport(db: Db, orgId: string, parsed: ParsedImport): Promise<ImportResult> {
  const rows = await planImport(db, orgId, parsed, { lock: true });
  const ok = rows.filter((r) => r.status === "ok");
  let created = 0;
  let updated = 0;
  const BATCH = 5_000;
  for (let i = 0; i < ok.length; i += BATCH) {
    const batch = ok.slice(i, i + BATCH).map((r) => ({
      wa_id: r.wa_id,
      phone_e164: r.phone_e164,
      name: r.name,
      tags: r.tags,
      attributes: r.attributes,
    }));
    // xmax = 0 only on a freshly inserted row: it tells creates from merges in one statement.
    const { rows: done } = await db.query<{ inserted: boolean }>(
      `insert into public.contacts as c (org_id, wa_id, phone_e164, name, tags, attributes)
       select $1, x.wa_id, x.phone_e164, x.name, x.tags, x.attributes
       from jsonb_to_recordset($2::jsonb) as x(wa_id text, phone_e164 text, name text, tags text[], attributes jsonb)
       on conflict (org_id, wa_id) do update set
         name = coalesce(nullif(btrim(c.name), ''), excluded.name),
         phone_e164 = coalesce(c.phone_e164, excluded.phone_e164),
         tags = array(select t from unnest(c.tags || excluded.tags) with ordinality as u(t, n) group by t order by min(n)),
         attributes = c.attributes || excluded.attributes,
         updated_at = now()
       returning (xmax = 0) as inserted`,
      [orgId, JSON.stringify(batch)],
    );
    for (const d of done) {
      if (d.inserted) created++;
      else updated++;
    }
  }
  const rejected = rows.filter((r) => r.status === "rejected");
  return {
    created,
    updated,
    merged: rows.filter((r) => r.status === "merged").length,
    rejected: rejected.length,
    rejected_rows: rejected.map((r) => ({ row: r.row, phone: r.phone, reason: r.reason! })),
  };
}
