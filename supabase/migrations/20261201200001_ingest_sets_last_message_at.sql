-- The Meta webhook's ingest statement sets the contacts' last_message_at itself.
--
-- private.ingest_meta_events upserts the contacts of a POST's inbound messages and then inserts the
-- messages; the statement-level trigger messages_touch_contact then UPDATEd the same contacts again
-- to move last_message_at to the new messages' created_at (now()). That second UPDATE wrote a
-- second version of every contact row, with an entry in each of its indexes (last_message_at is
-- indexed, so not a HOT update), and re-ran the contacts -> organizations foreign key check for
-- each row, since the row was inserted by this same transaction. auto_explain on a 10-event POST
-- showed the trigger as the largest single cost of the statement.
--
-- Now the upsert sets last_message_at = greatest(old, now()) in the row version it writes anyway;
-- the trigger's own WHERE (last_message_at < the message's created_at) then skips these contacts.
-- A contact is only upserted here for an event stored now, whose message (wamid = the event's id)
-- is inserted in the same statement. Unchanged otherwise (copied from
-- 20261130110001_template_status_events.sql).

create or replace function private.ingest_meta_events(p_events jsonb)
returns table (id bigint, event_id text, org_id uuid, pending boolean)
language plpgsql volatile
set search_path = ''
as $fn$
#variable_conflict use_column
begin
  return query
    with input as (
      select * from jsonb_to_recordset(p_events) as e(
        event_id text, kind text, phone_number_id text, waba_id text, payload jsonb,
        wamid text, wa_id text, profile_name text, at timestamptz, msg_type text, body text, content jsonb, consent text,
        status text)
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
    -- sent/delivered/read of this POST, the highest per message (statuses only move forward, so
    -- the highest is where the message ends whatever the order). failed is left to the slow half.
    forward as (
      select distinct on (r.wamid) r.wamid, r.status, r.at, r.org_id
      from routed r
      where r.kind = 'status' and r.org_id is not null and r.status in ('sent', 'delivered', 'read')
      order by r.wamid, private.message_status_rank(r.status) desc, r.at
    ),
    target as (
      select m.id, m.wamid, m.status as old_status
      from public.messages m join forward f on f.wamid = m.wamid and f.org_id = m.org_id
      where m.direction = 'outbound'
      order by m.id
      for update of m
    ),
    moved as (
      update public.messages m set
        status = f.status,
        sent_at = case when f.status = 'sent' then coalesce(m.sent_at, f.at) else m.sent_at end,
        delivered_at = case when f.status = 'delivered' then coalesce(m.delivered_at, f.at) else m.delivered_at end,
        read_at = case when f.status = 'read' then coalesce(m.read_at, f.at) else m.read_at end,
        updated_at = now()
      from target t join forward f on f.wamid = t.wamid
      where m.id = t.id and t.old_status <> 'failed'
        and private.message_status_rank(t.old_status) < private.message_status_rank(f.status)
      returning m.id
    ),
    ev as (
      insert into public.webhook_events (source, event_id, org_id, kind, payload, processed_at, last_error)
      select 'meta', r.event_id, r.org_id, r.kind, r.payload,
             case
               when r.org_id is null or r.kind not in ('message', 'status', 'template_status') then now()
               -- A forward status whose message exists is done (applied above, or stale).
               when r.kind = 'status' and r.status <> 'failed' and exists (select 1 from target t where t.wamid = r.wamid) then now()
               -- No enabled auto-reply rule: an inbound message needs nothing more.
               when r.kind = 'message' and not exists (
                 select 1 from public.automation_rules a where a.org_id = r.org_id and a.enabled) then now()
             end,
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
        (org_id, wa_id, phone_e164, profile_name, last_inbound_at, last_message_at, opted_out, opted_out_at, consent_changed_at)
      select org_id, wa_id, case when wa_id ~ '^[1-9][0-9]{6,14}$' then '+' || wa_id end, profile_name, last_at, now(),
             coalesce(consent = 'out', false), case when consent = 'out' then consent_at end, consent_at
      from who
      order by org_id, wa_id
      on conflict (org_id, wa_id) do update set
        profile_name = coalesce(excluded.profile_name, c.profile_name),
        last_inbound_at = greatest(c.last_inbound_at, excluded.last_inbound_at),
        -- The inbound messages inserted below are stamped now(): setting it here, in the same row
        -- version, leaves messages_touch_contact nothing to update for these contacts.
        last_message_at = greatest(c.last_message_at, excluded.last_message_at),
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
    select ev.id, ev.event_id, ev.org_id, ev.processed_at is null from ev;
end
$fn$;
revoke all on function private.ingest_meta_events(jsonb) from public, anon, authenticated;
grant execute on function private.ingest_meta_events(jsonb) to service_role;
