import Papa from "papaparse";
import { z } from "zod";
import { normalizePhone } from "../contacts/phone";
import type { Db } from "../db/tx";

// Who a campaign goes to: contacts with any of some tags, every contact who has not opted out,
// or the numbers of a CSV upload (a `phone` column, optional `name`, every other column usable as
// attributes.<column>). Each candidate carries what the variable mapping reads.

export const MAX_AUDIENCE = 200_000;
export const CSV_MAX_BYTES = 8 * 1024 * 1024;

export const audienceSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("tags"), tags: z.array(z.string().trim().min(1).max(50)).min(1, "pick at least one tag").max(20) }),
  z.object({ type: z.literal("all") }),
  z.object({ type: z.literal("csv"), csv: z.string().min(1, "the CSV is empty").max(CSV_MAX_BYTES, "the CSV is larger than 8 MB") }),
]);
export type AudienceInput = z.infer<typeof audienceSchema>;

export interface Candidate {
  waId: string;
  e164: string;
  contactId: string | null;
  name: string | null;
  attributes: Record<string, unknown>;
  optedOut: boolean;
}

export interface RejectedRow {
  row: number;
  value: string;
  reason: string;
}

export interface ResolvedAudience {
  candidates: Candidate[];
  rejected: RejectedRow[];
  /** Numbers that appeared more than once (kept once). */
  duplicates: number;
  /** What is stored on the campaign (the CSV itself is not kept). */
  summary: Record<string, unknown>;
}

interface ContactRow {
  id: string;
  wa_id: string;
  phone_e164: string | null;
  name: string | null;
  profile_name: string | null;
  attributes: Record<string, unknown> | null;
  opted_out: boolean;
}

const toCandidate = (c: ContactRow): Candidate => ({
  waId: c.wa_id,
  e164: c.phone_e164 ?? `+${c.wa_id}`,
  contactId: c.id,
  name: c.name ?? c.profile_name,
  attributes: c.attributes ?? {},
  optedOut: c.opted_out,
});

const CONTACT_COLS = "c.id, c.wa_id, c.phone_e164, c.name, c.profile_name, c.attributes, c.opted_out";

/** Resolves the audience in the caller's organization (db is the caller's transaction: RLS applies). */
export async function resolveAudience(db: Db, orgId: string, audience: AudienceInput): Promise<ResolvedAudience> {
  if (audience.type === "all" || audience.type === "tags") {
    const { rows } = await db.query<ContactRow>(
      `select ${CONTACT_COLS} from public.contacts c
        where c.org_id = $1 and ($2::text[] is null or c.tags && $2::text[])
        order by c.created_at, c.id limit $3`,
      [orgId, audience.type === "tags" ? audience.tags : null, MAX_AUDIENCE + 1],
    );
    if (rows.length > MAX_AUDIENCE) throw new AudienceError(`An audience is at most ${MAX_AUDIENCE.toLocaleString("en-IN")} contacts; narrow it with tags.`);
    return {
      candidates: rows.map(toCandidate),
      rejected: [],
      duplicates: 0,
      summary: audience.type === "tags" ? { type: "tags", tags: audience.tags } : { type: "all" },
    };
  }
  return resolveCsv(db, orgId, audience.csv);
}

export class AudienceError extends Error {}

function resolveCsvRows(text: string) {
  const parsed = Papa.parse<Record<string, string>>(text.replace(/^\uFEFF/, ""), {
    header: true,
    skipEmptyLines: "greedy",
    transformHeader: (h) => h.trim().toLowerCase(),
  });
  const fields = parsed.meta.fields ?? [];
  const phoneCol = fields.find((f) => ["phone", "phone_number", "mobile", "number", "wa_id", "whatsapp"].includes(f));
  if (!phoneCol) throw new AudienceError('The CSV needs a header row with a "phone" column (optionally "name" and other columns).');
  return { rows: parsed.data, phoneCol, fields };
}

async function resolveCsv(db: Db, orgId: string, text: string): Promise<ResolvedAudience> {
  const { rows, phoneCol, fields } = resolveCsvRows(text);
  if (rows.length > MAX_AUDIENCE) throw new AudienceError(`A CSV audience is at most ${MAX_AUDIENCE.toLocaleString("en-IN")} rows.`);
  const rejected: RejectedRow[] = [];
  const byWaId = new Map<string, { e164: string; name: string | null; attributes: Record<string, string> }>();
  let duplicates = 0;
  rows.forEach((r, i) => {
    const raw = (r[phoneCol] ?? "").trim();
    const p = normalizePhone(raw);
    if (!p.ok) {
      rejected.push({ row: i + 2, value: raw.slice(0, 40), reason: p.reason });
      return;
    }
    if (byWaId.has(p.waId)) {
      duplicates++;
      return;
    }
    const attributes: Record<string, string> = {};
    for (const f of fields) if (f !== phoneCol && f !== "name" && r[f] !== undefined && r[f] !== "") attributes[f] = String(r[f]);
    byWaId.set(p.waId, { e164: p.e164, name: r.name?.trim() || null, attributes });
  });
  const waIds = [...byWaId.keys()];
  const { rows: known } = await db.query<ContactRow>(`select ${CONTACT_COLS} from public.contacts c where c.org_id = $1 and c.wa_id = any($2::text[])`, [
    orgId,
    waIds,
  ]);
  const contacts = new Map(known.map((c) => [c.wa_id, c]));
  const candidates = waIds.map((waId): Candidate => {
    const row = byWaId.get(waId)!;
    const c = contacts.get(waId);
    return {
      waId,
      e164: row.e164,
      contactId: c?.id ?? null,
      name: row.name ?? c?.name ?? c?.profile_name ?? null,
      // The CSV's columns win over the contact's stored attributes of the same name.
      attributes: { ...(c?.attributes ?? {}), ...row.attributes },
      optedOut: c?.opted_out ?? false,
    };
  });
  return { candidates, rejected, duplicates, summary: { type: "csv", rows: rows.length, rejected: rejected.length, duplicates } };
}
