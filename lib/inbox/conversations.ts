import { z } from "zod";
import type { Db } from "../db/tx";
import { ApiError } from "../http/errors";

// The inbox: one conversation per contact, newest activity first. Run inside withTenant so RLS
// scopes everything to the caller's organizations; orgId narrows to the active one.

export const WINDOW_HOURS = 24;

export interface ConversationSummary {
  contact: { id: string; wa_id: string; name: string | null; profile_name: string | null; opted_out: boolean; tags: string[] };
  last_message: { id: string; direction: string; type: string; status: string; text: string | null; created_at: Date } | null;
  last_message_at: Date;
  unread_count: number;
  window_open: boolean;
}

export const conversationQuerySchema = z.object({
  search: z.string().trim().max(100).optional(),
  unread: z.enum(["1", "true"]).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(30),
});

// Cursor = "<last_message_at ISO>|<contact id>" of the last row returned.
function decodeCursor(cursor: string | undefined): { at: string; id: string } | null {
  if (!cursor) return null;
  const [at, id] = Buffer.from(cursor, "base64url").toString().split("|");
  if (!at || !z.string().uuid().safeParse(id).success || Number.isNaN(Date.parse(at))) {
    throw new ApiError(400, "invalid_cursor", "The cursor is not valid; start again without it.");
  }
  return { at, id };
}
const encodeCursor = (at: Date, id: string) => Buffer.from(`${at.toISOString()}|${id}`).toString("base64url");

export async function listConversations(
  db: Db,
  orgId: string,
  q: z.infer<typeof conversationQuerySchema>,
): Promise<{ data: ConversationSummary[]; next_cursor: string | null }> {
  const cursor = decodeCursor(q.cursor);
  const search = q.search ? `%${q.search.replace(/[%_\\]/g, (m) => `\\${m}`)}%` : null;
  const { rows } = await db.query(
    `select c.id, c.wa_id, c.name, c.profile_name, c.opted_out, c.tags, v.last_message_at, c.last_inbound_at,
            lm.id as m_id, lm.direction as m_direction, lm.type as m_type, lm.status as m_status, lm.text as m_text,
            lm.created_at as m_created_at,
            (select count(*)::int from public.messages u
              where u.contact_id = c.id and u.direction = 'inbound'
                and u.created_at > coalesce(c.last_read_at, '-infinity'::timestamptz)) as unread_count
     from public.conversations v
     join public.contacts c on c.id = v.contact_id
     left join lateral (
       select m.id, m.direction, m.type, m.status, m.text, m.created_at from public.messages m
       where m.contact_id = c.id order by m.created_at desc limit 1
     ) lm on true
     where v.org_id = $1
       and ($2::text is null or c.name ilike $2 or c.profile_name ilike $2 or c.wa_id ilike $2)
       and ($3::timestamptz is null or (v.last_message_at, v.contact_id) < ($3::timestamptz, $4::uuid))
       and (not $5 or exists (select 1 from public.messages u where u.contact_id = c.id and u.direction = 'inbound'
                                and u.created_at > coalesce(c.last_read_at, '-infinity'::timestamptz)))
     order by v.last_message_at desc, v.contact_id desc
     limit $6`,
    [orgId, search, cursor?.at ?? null, cursor?.id ?? null, Boolean(q.unread), q.limit + 1],
  );
  const more = rows.length > q.limit;
  const page = rows.slice(0, q.limit);
  const now = Date.now();
  return {
    data: page.map((r) => ({
      contact: { id: r.id, wa_id: r.wa_id, name: r.name, profile_name: r.profile_name, opted_out: r.opted_out, tags: r.tags },
      last_message: r.m_id
        ? { id: r.m_id, direction: r.m_direction, type: r.m_type, status: r.m_status, text: r.m_text, created_at: r.m_created_at }
        : null,
      last_message_at: r.last_message_at,
      unread_count: r.unread_count,
      window_open: Boolean(r.last_inbound_at && now - new Date(r.last_inbound_at).getTime() < WINDOW_HOURS * 3600_000),
    })),
    next_cursor: more ? encodeCursor(page.at(-1)!.last_message_at, page.at(-1)!.id) : null,
  };
}

export interface ThreadMessage {
  id: string;
  wamid: string | null;
  direction: "inbound" | "outbound";
  type: string;
  status: string;
  text: string | null;
  content: Record<string, unknown>;
  fee_paise: number;
  error: { code: number | null; title: string | null } | null;
  created_at: Date;
}

export const threadQuerySchema = z.object({
  before: z.string().datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export interface ConversationChannel {
  id: string;
  waba_id: string;
  display_phone_number: string | null;
  status: string;
}

/**
 * The channel a conversation goes on: the one of the contact's latest message on a connected channel
 * (the number they wrote to or we last wrote from), else the organization's default channel. The composer sends
 * from it and its template picker lists only its WABA's templates (Meta refuses another WABA's).
 */
export async function conversationChannel(db: Db, orgId: string, contactId: string): Promise<ConversationChannel | null> {
  const { rows } = await db.query<ConversationChannel>(
    `select c.id, c.waba_id, c.display_phone_number, c.status from public.channels c
     where c.org_id = $2 and c.id = coalesce(
       (select m.channel_id from public.messages m
        where m.contact_id = $1 and m.org_id = $2 and m.channel_id is not null
          and exists (select 1 from public.channels x where x.id = m.channel_id and x.org_id = $2 and x.status = 'connected')
        order by m.created_at desc, m.id desc limit 1),
       (select d.id from public.channels d where d.org_id = $2 and d.is_default))`,
    [contactId, orgId],
  );
  return rows[0] ?? null;
}

/** A contact's thread, oldest first within the page; `before` pages back in time. 404 for a contact not visible. */
export async function getThread(db: Db, orgId: string, contactId: string, q: z.infer<typeof threadQuerySchema>) {
  if (!z.string().uuid().safeParse(contactId).success) throw new ApiError(404, "not_found", "No such conversation.");
  const contact = await db.query(
    `select id, wa_id, phone_e164, name, profile_name, opted_out, tags, last_inbound_at from public.contacts
     where id = $1 and org_id = $2`,
    [contactId, orgId],
  );
  if (!contact.rows[0]) throw new ApiError(404, "not_found", "No such conversation.");
  const { rows } = await db.query<ThreadMessage & { error_code: number | null; error_title: string | null }>(
    `select id, wamid, direction, type, status, text, content, fee_paise, error_code, error_title, created_at
     from public.messages where contact_id = $1 and org_id = $2 and ($3::timestamptz is null or created_at < $3)
     order by created_at desc, id desc limit $4`,
    [contactId, orgId, q.before ?? null, q.limit + 1],
  );
  const channel = await conversationChannel(db, orgId, contactId);
  const more = rows.length > q.limit;
  const page = rows.slice(0, q.limit).reverse();
  const c = contact.rows[0];
  const expiresAt = c.last_inbound_at ? new Date(new Date(c.last_inbound_at).getTime() + WINDOW_HOURS * 3600_000) : null;
  return {
    contact: { id: c.id, wa_id: c.wa_id, phone_e164: c.phone_e164, name: c.name, profile_name: c.profile_name, opted_out: c.opted_out, tags: c.tags },
    window: { open: Boolean(expiresAt && expiresAt.getTime() > Date.now()), expires_at: expiresAt },
    channel,
    data: page.map(({ error_code, error_title, ...m }) => ({
      ...m,
      error: error_code !== null || error_title !== null ? { code: error_code, title: error_title } : null,
    })),
    has_more: more,
  };
}

/** Marks a conversation read up to now (RLS-scoped update of last_read_at only). */
export async function markRead(db: Db, orgId: string, contactId: string): Promise<void> {
  if (!z.string().uuid().safeParse(contactId).success) throw new ApiError(404, "not_found", "No such conversation.");
  const r = await db.query("update public.contacts set last_read_at = now() where id = $1 and org_id = $2", [contactId, orgId]);
  if (!r.rowCount) throw new ApiError(404, "not_found", "No such conversation.");
}
