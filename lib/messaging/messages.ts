import { z } from "zod";
import type { Db } from "../db/tx";
import { ApiError } from "../http/errors";
import { normalizeRecipient } from "./phone";

// Reads of an organization's messages. Every query names the organization (org_id = $1) even when
// RLS also applies (session callers), because API keys read as service_role.

export interface MessageView {
  id: string;
  wamid: string | null;
  direction: "inbound" | "outbound";
  status: string;
  type: string;
  text: string | null;
  contact_id: string | null;
  wa_id: string | null;
  channel_id: string | null;
  content: Record<string, unknown>;
  error: { code: number | null; title: string } | null;
  fee_paise: number;
  refunded: boolean;
  source: string | null;
  reply_to_message_id: string | null;
  created_at: string;
  sent_at: string | null;
  delivered_at: string | null;
  read_at: string | null;
  failed_at: string | null;
}

interface Row extends Omit<MessageView, "error" | "created_at" | "sent_at" | "delivered_at" | "read_at" | "failed_at"> {
  error_code: number | null;
  error_title: string | null;
  created_at: Date;
  sent_at: Date | null;
  delivered_at: Date | null;
  read_at: Date | null;
  failed_at: Date | null;
  cursor_ts: string;
}

const SELECT = `select m.id, m.wamid, m.direction, m.status, m.type, m.text, m.contact_id, c.wa_id, m.channel_id, m.content,
    m.error_code, m.error_title, m.fee_paise, m.refunded, m.source, m.reply_to_message_id,
    m.created_at, m.sent_at, m.delivered_at, m.read_at, m.failed_at,
    to_char(m.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_ts
  from public.messages m left join public.contacts c on c.id = m.contact_id`;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function toView(r: Row): MessageView {
  const { error_code, error_title, cursor_ts, ...rest } = r;
  void cursor_ts;
  const content = { ...(r.content ?? {}) };
  return {
    ...rest,
    content,
    error: error_title || error_code !== null ? { code: error_code, title: error_title ?? "" } : null,
    created_at: r.created_at.toISOString(),
    sent_at: iso(r.sent_at),
    delivered_at: iso(r.delivered_at),
    read_at: iso(r.read_at),
    failed_at: iso(r.failed_at),
  };
}

export const listMessagesQuery = z.object({
  contact: z.string().trim().min(1).max(64).optional(),
  direction: z.enum(["inbound", "outbound"]).optional(),
  status: z.enum(["pending", "sent", "delivered", "read", "failed", "received"]).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(200).optional(),
});
export type ListMessagesQuery = z.infer<typeof listMessagesQuery>;

function encodeCursor(ts: string, id: string) {
  return Buffer.from(JSON.stringify([ts, id])).toString("base64url");
}
function decodeCursor(c: string): [string, string] {
  try {
    const v = JSON.parse(Buffer.from(c, "base64url").toString("utf8")) as unknown;
    if (Array.isArray(v) && v.length === 2 && !Number.isNaN(Date.parse(String(v[0]))) && z.string().uuid().safeParse(v[1]).success) {
      return [String(v[0]), String(v[1])];
    }
  } catch {
    // fall through
  }
  throw new ApiError(400, "invalid_cursor", "cursor is not valid; pass next_cursor from the previous page unchanged.");
}

/** Resolves a contact filter (contact id or wa_id) inside the organization; 404 when it has no such contact. */
async function contactId(db: Db, orgId: string, contact: string): Promise<string> {
  const isUuid = z.string().uuid().safeParse(contact).success;
  const waId = isUuid ? null : (normalizeRecipient(contact)?.waId ?? contact.replace(/\D/g, ""));
  const { rows } = await db.query<{ id: string }>(
    isUuid ? "select id from public.contacts where org_id = $1 and id = $2" : "select id from public.contacts where org_id = $1 and wa_id = $2",
    [orgId, isUuid ? contact : waId],
  );
  if (!rows[0]) throw new ApiError(404, "contact_not_found", "No contact with this id or number in your organization.");
  return rows[0].id;
}

/** Newest first, keyset-paginated on (created_at, id). */
export async function listMessages(db: Db, orgId: string, q: ListMessagesQuery): Promise<{ data: MessageView[]; next_cursor: string | null }> {
  const where = ["m.org_id = $1"];
  const params: unknown[] = [orgId];
  if (q.contact) {
    params.push(await contactId(db, orgId, q.contact));
    where.push(`m.contact_id = $${params.length}`);
  }
  if (q.direction) {
    params.push(q.direction);
    where.push(`m.direction = $${params.length}`);
  }
  if (q.status) {
    params.push(q.status);
    where.push(`m.status = $${params.length}`);
  }
  if (q.cursor) {
    const [ts, id] = decodeCursor(q.cursor);
    params.push(ts, id);
    where.push(`(m.created_at, m.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  params.push(q.limit + 1);
  const { rows } = await db.query<Row>(
    `${SELECT} where ${where.join(" and ")} order by m.created_at desc, m.id desc limit $${params.length}`,
    params,
  );
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return { data: page.map(toView), next_cursor: rows.length > q.limit && last ? encodeCursor(last.cursor_ts, last.id) : null };
}

export async function getMessage(db: Db, orgId: string, id: string): Promise<MessageView> {
  if (!z.string().uuid().safeParse(id).success) throw messageNotFound();
  const { rows } = await db.query<Row>(`${SELECT} where m.org_id = $1 and m.id = $2`, [orgId, id]);
  if (!rows[0]) throw messageNotFound();
  return toView(rows[0]);
}

const messageNotFound = () => new ApiError(404, "message_not_found", "No message with this id in your organization.");
