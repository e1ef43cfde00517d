import { z } from "zod";
import type { Db } from "../db/tx";
import { ApiError } from "../http/errors";
import { normalizePhone } from "./phone";
import {
  attributeCountProblem,
  type Attributes,
  type ContactFilter,
  type CreateContactInput,
  type ListContactsQuery,
  type UpdateContactInput,
} from "./schema";

// The contacts service. Every function takes the organization explicitly and filters by it:
// under withTenant RLS enforces the same, under withService (API keys) this filter is the guard.

export interface Contact {
  id: string;
  wa_id: string;
  phone_e164: string | null;
  name: string | null;
  profile_name: string | null;
  tags: string[];
  attributes: Attributes;
  opted_out: boolean;
  opted_out_at: Date | null;
  last_inbound_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export const CONTACT_COLUMNS = `c.id, c.wa_id, c.phone_e164, c.name, c.profile_name, c.tags, c.attributes, c.opted_out,
  c.opted_out_at, c.last_inbound_at, c.created_at, c.updated_at`;

// Postgres keeps microseconds; a JS Date does not. The cursor carries Postgres' own text so that
// rows created in the same millisecond (an import creates thousands with one now()) page stably.
const SORT_KEY = `to_char(c.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

const notFound = () => new ApiError(404, "not_found", "No such contact.");
const isUuid = (s: string) => z.uuid().safeParse(s).success;

function decodeCursor(cursor: string | undefined): { at: string; id: string } | null {
  if (!cursor) return null;
  const [at, id] = Buffer.from(cursor, "base64url").toString().split("|");
  if (!at || !id || !isUuid(id) || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/.test(at)) {
    throw new ApiError(400, "invalid_cursor", "The cursor is not valid; start again without it.");
  }
  return { at, id };
}
const encodeCursor = (at: string, id: string) => Buffer.from(`${at}|${id}`).toString("base64url");

/** A filter as query values: ilike/like patterns, an exact wa_id when the search is a full number. */
interface Terms {
  text: string | null;
  digits: string | null;
  waId: string | null;
  tags: string[] | null;
  optedOut: boolean | null;
}

function searchTerms(f: ContactFilter): Terms {
  const q = f.q?.trim();
  const terms: Terms = { text: null, digits: null, waId: null, tags: f.tag?.length ? f.tag : null, optedOut: f.opted_out ?? null };
  if (q) {
    terms.text = `%${q.replace(/[%_\\]/g, (m) => `\\${m}`)}%`;
    // Phone-looking searches match digits anywhere in the number, and the number as typed
    // ("098765 43210") once normalized.
    const digits = q.replace(/\D/g, "");
    if (/^[+\d\s\-().]+$/.test(q) && digits.length >= 3) {
      terms.digits = `%${digits}%`;
      const phone = normalizePhone(q);
      if (phone.ok) terms.waId = phone.waId;
    }
  }
  return terms;
}

/** Builds the WHERE clause for a filter; $1 is the organization. */
function filterSql(orgId: string, t: Terms): { where: string; params: unknown[] } {
  const params: unknown[] = [orgId];
  const clauses = ["c.org_id = $1"];
  const ors: string[] = [];
  if (t.text) {
    params.push(t.text);
    ors.push(`c.name ilike $${params.length}`, `c.profile_name ilike $${params.length}`);
  }
  if (t.digits) {
    params.push(t.digits);
    ors.push(`c.wa_id like $${params.length}`);
  }
  if (t.waId) {
    params.push(t.waId);
    ors.push(`c.wa_id = $${params.length}`);
  }
  if (ors.length) clauses.push(`(${ors.join(" or ")})`);
  if (t.tags) {
    params.push(t.tags);
    clauses.push(`c.tags @> $${params.length}::text[]`);
  }
  if (t.optedOut !== null) {
    params.push(t.optedOut);
    clauses.push(`c.opted_out = $${params.length}`);
  }
  return { where: clauses.join(" and "), params };
}

type Row = Contact & { sort_key: string };

/**
 * Newest first, stable under ties, `limit` per page with an opaque cursor for the next.
 * Searches and tag filters under RLS find the page's ids through private.contact_page_ids
 * (RLS would keep Postgres from using the trigram and tag indexes) and read the rows under RLS.
 */
export async function listContacts(
  db: Db,
  orgId: string,
  q: ListContactsQuery,
): Promise<{ data: Contact[]; next_cursor: string | null }> {
  const terms = searchTerms(q);
  const cursor = decodeCursor(q.cursor);
  let rows: Row[];
  if ((terms.text || terms.tags) && (await underRls(db))) {
    const ids = await db.query<{ id: string }>("select id from private.contact_page_ids($1, $2, $3, $4, $5, $6, $7, $8, $9)", [
      orgId,
      terms.text,
      terms.digits,
      terms.waId,
      terms.tags,
      terms.optedOut,
      cursor?.at ?? null,
      cursor?.id ?? null,
      q.limit + 1,
    ]);
    ({ rows } = await db.query<Row>(
      `select ${CONTACT_COLUMNS}, ${SORT_KEY} as sort_key from public.contacts c
       where c.id = any($1::uuid[]) and c.org_id = $2 order by c.created_at desc, c.id desc`,
      [ids.rows.map((r) => r.id), orgId],
    ));
  } else {
    const { where, params } = filterSql(orgId, terms);
    let page = where;
    if (cursor) {
      params.push(cursor.at, cursor.id);
      page += ` and (c.created_at, c.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`;
    }
    params.push(q.limit + 1);
    ({ rows } = await db.query<Row>(
      `select ${CONTACT_COLUMNS}, ${SORT_KEY} as sort_key from public.contacts c
       where ${page} order by c.created_at desc, c.id desc limit $${params.length}`,
      params,
    ));
  }
  const more = rows.length > q.limit;
  const data = rows.slice(0, q.limit);
  const last = data.at(-1);
  const next_cursor = more && last ? encodeCursor(last.sort_key, last.id) : null;
  for (const row of data) delete (row as Partial<typeof row>).sort_key;
  return { data, next_cursor };
}

/** True inside withTenant (role authenticated, RLS on); false for the service role. */
async function underRls(db: Db): Promise<boolean> {
  const { rows } = await db.query<{ rls: boolean }>("select current_user = 'authenticated' as rls");
  return rows[0].rls;
}

/** Every contact matching a filter, newest first, for the CSV export. */
export async function allContacts(db: Db, orgId: string, f: ContactFilter): Promise<Contact[]> {
  const { where, params } = filterSql(orgId, searchTerms(f));
  const { rows } = await db.query<Contact>(
    `select ${CONTACT_COLUMNS} from public.contacts c where ${where} order by c.created_at desc, c.id desc`,
    params,
  );
  return rows;
}

/** One contact of the organization; 404 for an unknown id or another organization's. */
export async function getContact(db: Db, orgId: string, id: string): Promise<Contact> {
  if (!isUuid(id)) throw notFound();
  const { rows } = await db.query<Contact>(`select ${CONTACT_COLUMNS} from public.contacts c where c.id = $1 and c.org_id = $2`, [
    id,
    orgId,
  ]);
  if (!rows[0]) throw notFound();
  return rows[0];
}

/** Creates a contact; 409 `contact_exists` with the existing id when the number is already there. */
export async function createContact(db: Db, orgId: string, input: CreateContactInput): Promise<Contact> {
  const phone = normalizePhone(input.phone);
  if (!phone.ok) {
    throw new ApiError(400, "invalid_phone", phone.reason, { fields: [{ path: "phone", message: phone.reason }] });
  }
  const optedOut = input.opted_out ?? false;
  const { rows } = await db.query<Contact>(
    `insert into public.contacts as c (org_id, wa_id, phone_e164, name, tags, attributes, opted_out, opted_out_at)
     values ($1, $2, $3, $4, $5, $6, $7, case when $7 then now() end)
     on conflict (org_id, wa_id) do nothing
     returning ${CONTACT_COLUMNS}`,
    [orgId, phone.waId, phone.e164, input.name ?? null, input.tags ?? [], input.attributes ?? {}, optedOut],
  );
  if (rows[0]) return rows[0];
  const existing = await db.query<{ id: string }>("select id from public.contacts where org_id = $1 and wa_id = $2", [
    orgId,
    phone.waId,
  ]);
  throw new ApiError(409, "contact_exists", `A contact with the number ${phone.e164} already exists.`, {
    existing_id: existing.rows[0]?.id ?? null,
    fields: [{ path: "phone", message: `A contact with the number ${phone.e164} already exists.` }],
  });
}

/**
 * Updates name, tags, attributes (merge patch: null removes a key) and the manual opt-out.
 * Opting out stamps opted_out_at; opting back in clears it.
 */
export async function updateContact(db: Db, orgId: string, id: string, patch: UpdateContactInput): Promise<Contact> {
  if (!isUuid(id)) throw notFound();
  const { rows } = await db.query<Contact>(
    `select ${CONTACT_COLUMNS} from public.contacts c where c.id = $1 and c.org_id = $2 for update`,
    [id, orgId],
  );
  const current = rows[0];
  if (!current) throw notFound();
  let attributes = current.attributes;
  if (patch.attributes) {
    attributes = { ...current.attributes };
    for (const [k, v] of Object.entries(patch.attributes)) {
      if (v === null) delete attributes[k];
      else attributes[k] = v;
    }
    const problem = attributeCountProblem(attributes);
    if (problem) throw new ApiError(400, "invalid_request", problem, { fields: [{ path: "attributes", message: problem }] });
  }
  const optedOut = patch.opted_out ?? current.opted_out;
  const updated = await db.query<Contact>(
    `update public.contacts c set name = $3, tags = $4, attributes = $5, opted_out = $6,
       opted_out_at = case when $6 and not c.opted_out then now() when not $6 then null else c.opted_out_at end,
       updated_at = now()
     where c.id = $1 and c.org_id = $2
     returning ${CONTACT_COLUMNS}`,
    [id, orgId, patch.name !== undefined ? patch.name : current.name, patch.tags ?? current.tags, attributes, optedOut],
  );
  return updated.rows[0];
}

/** Deletes a contact (its messages stay, detached); 404 when it is not the organization's. */
export async function deleteContact(db: Db, orgId: string, id: string): Promise<void> {
  if (!isUuid(id)) throw notFound();
  const r = await db.query("delete from public.contacts where id = $1 and org_id = $2", [id, orgId]);
  if (!r.rowCount) throw notFound();
}

/** The distinct tags in use, most used first, for filter chips and suggestions. */
export async function tagsInUse(db: Db, orgId: string): Promise<Array<{ tag: string; count: number }>> {
  const { rows } = await db.query<{ tag: string; count: number }>(
    `select t.tag, count(*)::int as count from public.contacts c cross join lateral unnest(c.tags) as t(tag)
     where c.org_id = $1 group by t.tag order by count(*) desc, t.tag limit 500`,
    [orgId],
  );
  return rows;
}
