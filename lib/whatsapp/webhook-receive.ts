import { withService } from "../db/tx";
import { ApiError } from "../http/errors";
import { logger } from "../log";
import { MalformedWebhookError, parseWebhook, type WebhookEvent } from "./webhook-events";

// The fast half of the Meta webhook: after the route has checked the signature, store every event
// of the POST — and the inbound messages and their contacts — in ONE statement, then answer.
// Statuses, refunds and auto-replies happen afterwards (webhook-process.ts).
//
// Idempotence: webhook_events is unique on (source, event_id) and the statement inserts contacts
// and messages only for events it inserted itself, so a retried or concurrent duplicate POST
// writes nothing (ON CONFLICT DO NOTHING; the loser waits on the unique index, then skips).
// Rows go in sorted by their keys so that two POSTs sharing events cannot deadlock.

export interface ReceiveResult {
  /** Events in the POST. */
  events: number;
  /** Of those, new here (not seen before). */
  stored: number;
  /** New events that still need processing (statuses, inbound messages), for the in-process kick. */
  pendingIds: number[];
}

export const INGEST_SQL = `
with input as (
  select * from jsonb_to_recordset($1::jsonb) as e(
    event_id text, kind text, phone_number_id text, waba_id text, payload jsonb,
    wamid text, wa_id text, profile_name text, at timestamptz, msg_type text, body text, content jsonb, consent text)
),
routed as (
  select i.*, coalesce(c.org_id, w.org_id) as org_id, c.id as channel_id
  from input i
  left join public.channels c on c.phone_number_id = i.phone_number_id
  left join lateral (
    select ch.org_id from public.channels ch
    where i.phone_number_id is null and ch.waba_id = i.waba_id
    order by ch.created_at limit 1
  ) w on true
),
ev as (
  insert into public.webhook_events (source, event_id, org_id, kind, payload, processed_at, last_error)
  select 'meta', r.event_id, r.org_id, r.kind, r.payload,
         case when r.org_id is null or r.kind not in ('message', 'status') then now() end,
         case when r.org_id is null then 'unrouted: no channel for this phone number or WABA' end
  from routed r
  order by r.event_id
  on conflict (source, event_id) do nothing
  returning id, event_id, org_id, processed_at
),
fresh as (
  select r.*, ev.id as webhook_event_id from routed r join ev on ev.event_id = r.event_id
  where r.kind = 'message' and r.org_id is not null
),
who as (
  select org_id, wa_id, max(at) as last_at,
    (array_agg(profile_name order by at desc) filter (where profile_name is not null))[1] as profile_name,
    (array_agg(consent order by at desc) filter (where consent is not null))[1] as consent,
    max(at) filter (where consent is not null) as consent_at
  from fresh group by org_id, wa_id
),
contact as (
  insert into public.contacts as c
    (org_id, wa_id, phone_e164, profile_name, last_inbound_at, opted_out, opted_out_at, consent_changed_at)
  select org_id, wa_id, case when wa_id ~ '^[1-9][0-9]{6,14}$' then '+' || wa_id end, profile_name, last_at,
         coalesce(consent = 'out', false), case when consent = 'out' then consent_at end, consent_at
  from who
  order by org_id, wa_id
  on conflict (org_id, wa_id) do update set
    profile_name = coalesce(excluded.profile_name, c.profile_name),
    last_inbound_at = greatest(c.last_inbound_at, excluded.last_inbound_at),
    -- A keyword applies only when at least as new as the last one applied (webhooks come out of order).
    opted_out = case when excluded.consent_changed_at >= coalesce(c.consent_changed_at, '-infinity')
                     then excluded.opted_out else c.opted_out end,
    opted_out_at = case when excluded.consent_changed_at >= coalesce(c.consent_changed_at, '-infinity')
                        then case when excluded.opted_out then coalesce(case when c.opted_out then c.opted_out_at end, excluded.opted_out_at) end
                        else c.opted_out_at end,
    consent_changed_at = greatest(c.consent_changed_at, excluded.consent_changed_at),
    updated_at = now()
  returning c.id, c.org_id, c.wa_id
),
msg as (
  insert into public.messages (org_id, channel_id, contact_id, direction, type, status, wamid, text, content)
  select f.org_id, f.channel_id, k.id, 'inbound', f.msg_type, 'received', f.wamid, f.body, f.content
  from fresh f join contact k on k.org_id = f.org_id and k.wa_id = f.wa_id
  order by f.wamid
  on conflict (wamid) do nothing
  returning id
)
select ev.id, ev.event_id, ev.org_id, ev.processed_at is null as pending from ev`;

export function toRow(e: WebhookEvent) {
  const base = { event_id: e.eventId, kind: e.kind, phone_number_id: e.phoneNumberId, payload: e.payload };
  if (e.kind === "message" && "from" in e) {
    return {
      ...base,
      waba_id: null,
      wamid: e.wamid,
      wa_id: e.from,
      profile_name: e.profileName,
      at: e.at.toISOString(),
      msg_type: e.type,
      body: e.text,
      content: e.content,
      consent: e.consent,
    };
  }
  return { ...base, waba_id: "wabaId" in e ? e.wabaId : null };
}

/** Parses and stores one verified POST. Throws ApiError 400 when the body is not a webhook. */
export async function receiveWebhook(rawBody: string): Promise<ReceiveResult> {
  let events: WebhookEvent[];
  try {
    events = parseWebhook(rawBody);
  } catch (err) {
    if (err instanceof MalformedWebhookError) throw new ApiError(400, "malformed_webhook", err.message);
    throw err;
  }
  if (!events.length) return { events: 0, stored: 0, pendingIds: [] };
  const rows = await withService(async (db) => {
    // A named (prepared) statement: planning this statement costs several times executing it, so
    // each pooled connection plans it once.
    const { rows } = await db.query<{ id: number; event_id: string; org_id: string | null; pending: boolean }>({
      name: "webhook_ingest",
      text: INGEST_SQL,
      values: [JSON.stringify(events.map(toRow))],
    });
    return rows;
  });
  const unrouted = rows.filter((r) => r.org_id === null);
  if (unrouted.length) {
    const byId = new Map(events.map((e) => [e.eventId, e]));
    const where = (e: WebhookEvent | undefined) =>
      e?.phoneNumberId ?? `waba:${(e && "wabaId" in e && e.wabaId) || "unknown"}`;
    const numbers = [...new Set(unrouted.map((r) => where(byId.get(r.event_id))))];
    logger.warn({ component: "webhook", numbers, events: unrouted.length }, "webhook events for an unknown phone number acknowledged");
  }
  return { events: events.length, stored: rows.length, pendingIds: rows.filter((r) => r.pending).map((r) => r.id) };
}
