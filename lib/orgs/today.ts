import type { Db } from "../db/tx";

// The home page's live sections: today's outbound messages by their current status (India's day),
// each number's health, and the latest activity. Run inside withTenant (RLS decides).

export interface TodayCounts {
  sent: number;
  delivered: number;
  read: number;
  failed: number;
  pending: number;
  received: number;
}

export async function messagesToday(db: Db, orgId: string): Promise<TodayCounts> {
  const { rows } = await db.query<TodayCounts>(
    `select count(*) filter (where direction = 'outbound' and status = 'sent')::int as sent,
            count(*) filter (where direction = 'outbound' and status = 'delivered')::int as delivered,
            count(*) filter (where direction = 'outbound' and status = 'read')::int as read,
            count(*) filter (where direction = 'outbound' and status = 'failed')::int as failed,
            count(*) filter (where direction = 'outbound' and status = 'pending')::int as pending,
            count(*) filter (where direction = 'inbound')::int as received
       from public.messages
      where org_id = $1 and created_at >= (date_trunc('day', now() at time zone 'Asia/Kolkata') at time zone 'Asia/Kolkata')`,
    [orgId],
  );
  return rows[0];
}

export interface ChannelHealth {
  id: string;
  display_phone_number: string;
  status: "connected" | "disconnected" | "token_expired";
  mode: "live" | "sandbox";
  is_default: boolean;
  failed_today: number;
}

export async function channelHealth(db: Db, orgId: string): Promise<ChannelHealth[]> {
  const { rows } = await db.query<ChannelHealth>(
    `select c.id, c.display_phone_number, c.status, c.mode, c.is_default,
            (select count(*)::int from public.messages m
              where m.channel_id = c.id and m.status = 'failed'
                and m.created_at >= now() - interval '24 hours') as failed_today
       from public.channels c where c.org_id = $1 order by c.is_default desc, c.created_at`,
    [orgId],
  );
  return rows;
}

export interface Activity {
  id: string;
  direction: "inbound" | "outbound";
  status: string;
  text: string | null;
  type: string;
  created_at: Date;
  contact_id: string | null;
  contact_label: string | null;
}

export async function recentActivity(db: Db, orgId: string, limit = 8): Promise<Activity[]> {
  const { rows } = await db.query<Activity>(
    `select m.id, m.direction, m.status, m.text, m.type, m.created_at, m.contact_id,
            coalesce(c.name, c.profile_name, '+' || c.wa_id) as contact_label
       from public.messages m left join public.contacts c on c.id = m.contact_id
      where m.org_id = $1 order by m.created_at desc limit $2`,
    [orgId, limit],
  );
  return rows;
}
