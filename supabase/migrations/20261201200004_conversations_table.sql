-- The inbox's "latest message" time moves out of contacts into a narrow table of its own.
--
-- contacts.last_message_at was indexed (the inbox orders by it), so the trigger that moves it on
-- every message, outbound sends included, could never be a HOT update: each message wrote a new
-- version of the contact row with an entry in all eight of its indexes, four of them GIN (the
-- trigram search indexes and tags). npm run bench:send measured it: without that update, Postgres
-- spent 358 instead of 671 µs of CPU per send in the in-process pipeline.
--
-- Now each message upserts one narrow row (contact, organization, time), with two btree entries.
-- The contact row is left alone by outbound messages, and the webhook's inbound upsert, which
-- changes only unindexed columns (last_inbound_at, updated_at) for a known contact, can be HOT; the
-- fill factor leaves room on each page for that.

create table public.conversations (
  contact_id uuid primary key references public.contacts(id) on delete cascade,
  -- The contact's organization (the contact row cascades from it). Copied for RLS and the index.
  org_id uuid not null,
  last_message_at timestamptz not null
);
create index conversations_org_last_idx on public.conversations (org_id, last_message_at desc, contact_id desc);
alter table public.conversations enable row level security;
create policy conversations_select on public.conversations for select to authenticated
  using (org_id in (select private.my_org_ids()));
revoke all on public.conversations from public, anon, authenticated;
grant select on public.conversations to authenticated;
grant all on public.conversations to service_role;

insert into public.conversations (contact_id, org_id, last_message_at)
  select id, org_id, last_message_at from public.contacts where last_message_at is not null;

-- One statement per statement of messages: contacts in id order (the upsert locks them in the
-- order it inserts), so two batches sharing contacts wait on each other in one order and cannot
-- deadlock; a message older than the conversation's latest changes nothing.
create or replace function private.touch_contact_last_message() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  insert into public.conversations as v (contact_id, org_id, last_message_at)
    select m.contact_id, m.org_id, max(m.created_at) from new_messages m
     where m.contact_id is not null
     group by m.contact_id, m.org_id
     order by m.contact_id
  on conflict (contact_id) do update set last_message_at = excluded.last_message_at
    where v.last_message_at < excluded.last_message_at;
  return null;
end
$$;
revoke all on function private.touch_contact_last_message() from public, anon, authenticated;

-- The Meta webhook's ingest statement, copied from 20261201200001_ingest_sets_last_message_at.sql
-- but for the contact upsert, which no longer sets last_message_at: the inbound messages it inserts
-- touch their conversations through the trigger above, like every other message.
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
    select ev.id, ev.event_id, ev.org_id, ev.processed_at is null from ev;
end
$fn$;
revoke all on function private.ingest_meta_events(jsonb) from public, anon, authenticated;
grant execute on function private.ingest_meta_events(jsonb) to service_role;

drop index public.contacts_org_last_message_idx;
alter table public.contacts drop column last_message_at;
alter table public.contacts set (fillfactor = 90);
