-- Bulk campaigns: an approved template sent to an audience, paced per channel by the worker.
--
-- campaigns            one row per campaign; status draft → scheduled → running ⇄ paused →
--                      completed | cancelled. lease_owner/lease_until: the worker running it now
--                      (a crashed worker's lease expires and another worker takes over).
-- campaign_recipients  one row per recipient, the source of truth for the run: queued → sending
--                      (claimed by a worker) → sent | failed | skipped. Delivery (sent, delivered,
--                      read, failed) after the send comes from the message row (message_id). Each
--                      recipient is sent with Idempotency-Key campaign:<recipient id>:<attempt>, so
--                      a retried claim (after a crash) returns the first send, never a second one.
-- private.channel_pace the per-channel rate slot shared by every worker: a batch of k sends
--                      reserves [next_slot_at, next_slot_at + k/rate) in one UPDATE.

create table public.campaigns (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organizations(id) on delete cascade,
  name text not null check (length(name) between 1 and 120),
  channel_id uuid references public.channels(id) on delete set null,
  template_id uuid references public.message_templates(id) on delete set null,
  template_name text not null,
  template_language text not null,
  -- [{source: name|phone|attribute|text, key?, value?, fallback?}] for body {{1}}..{{n}}.
  variables jsonb not null default '[]'::jsonb check (jsonb_typeof(variables) = 'array'),
  -- {type: tags, tags: [...]} | {type: all} | {type: csv, rows, rejected}
  audience jsonb not null,
  status text not null default 'draft'
    check (status in ('draft', 'scheduled', 'running', 'paused', 'completed', 'cancelled')),
  -- Why a running campaign is waiting (messaging-limit tier reached, wallet empty); null when not.
  blocked_reason text,
  mode text not null default 'all' check (mode in ('all', 'affordable')),
  scheduled_at timestamptz,
  fee_paise bigint not null default 0 check (fee_paise >= 0),
  recipient_count integer not null default 0,
  lease_owner text,
  lease_until timestamptz,
  launched_at timestamptz,
  started_at timestamptz,
  completed_at timestamptz,
  created_by uuid references auth.users(id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index campaigns_org_created_idx on public.campaigns (org_id, created_at desc);
create index campaigns_active_idx on public.campaigns (status) where status in ('scheduled', 'running');

create table public.campaign_recipients (
  id uuid primary key default gen_random_uuid(),
  campaign_id uuid not null references public.campaigns(id) on delete cascade,
  org_id uuid not null references public.organizations(id) on delete cascade,
  seq integer not null,
  contact_id uuid references public.contacts(id) on delete set null,
  wa_id text not null,
  phone_e164 text not null,
  name text,
  params jsonb not null default '[]'::jsonb,
  status text not null default 'queued' check (status in ('queued', 'sending', 'sent', 'failed', 'skipped')),
  reason text,
  message_id uuid unique references public.messages(id) on delete set null,
  attempt integer not null default 1,
  next_attempt_at timestamptz not null default now(),
  claimed_at timestamptz,
  updated_at timestamptz not null default now(),
  unique (campaign_id, wa_id),
  unique (campaign_id, seq)
);
create index campaign_recipients_due_idx on public.campaign_recipients (campaign_id, seq) where status = 'queued';
create index campaign_recipients_sending_idx on public.campaign_recipients (campaign_id) where status = 'sending' and message_id is null;

alter table public.campaigns enable row level security;
alter table public.campaign_recipients enable row level security;
-- Members read; owners and admins create and change campaigns (a campaign spends the wallet).
create policy campaigns_select on public.campaigns for select to authenticated
  using (org_id in (select private.my_org_ids()));
create policy campaigns_insert on public.campaigns for insert to authenticated
  with check (private.has_org_role(org_id, array['owner', 'admin']));
create policy campaigns_update on public.campaigns for update to authenticated
  using (private.has_org_role(org_id, array['owner', 'admin']))
  with check (private.has_org_role(org_id, array['owner', 'admin']));
create policy campaign_recipients_select on public.campaign_recipients for select to authenticated
  using (org_id in (select private.my_org_ids()));
create policy campaign_recipients_insert on public.campaign_recipients for insert to authenticated
  with check (private.has_org_role(org_id, array['owner', 'admin'])
              and campaign_id in (select c.id from public.campaigns c where c.org_id = campaign_recipients.org_id));
create policy campaign_recipients_update on public.campaign_recipients for update to authenticated
  using (private.has_org_role(org_id, array['owner', 'admin']))
  with check (private.has_org_role(org_id, array['owner', 'admin']));
grant select, insert, update on public.campaigns to authenticated;
grant select, insert, update on public.campaign_recipients to authenticated;
grant all on public.campaigns to service_role;
grant all on public.campaign_recipients to service_role;

-- Messages know their campaign (per-campaign analytics, the report, the tier count).
alter table public.messages add column campaign_id uuid references public.campaigns(id) on delete set null;
create index messages_campaign_idx on public.messages (campaign_id) where campaign_id is not null;
-- The messaging-limit tier counts unique recipients of business-initiated (template) messages per
-- channel in a moving 24 hours.
create index messages_channel_template_recent_idx on public.messages (channel_id, created_at)
  include (contact_id) where direction = 'outbound' and type = 'template';

-- The send pipeline (private.send_prepare) is shared by every source and knows nothing of
-- campaigns; a campaign send carries Idempotency-Key campaign:<recipient id>:<attempt>, from which
-- this trigger sets campaign_id (within the same organization only).
create function private.messages_set_campaign() returns trigger language plpgsql set search_path = '' as $$
begin
  if new.source = 'campaign' and new.campaign_id is null
     and new.idempotency_key ~ '^campaign:[0-9a-f-]{36}:[0-9]+$' then
    select r.campaign_id into new.campaign_id from public.campaign_recipients r
      where r.id = split_part(new.idempotency_key, ':', 2)::uuid and r.org_id = new.org_id;
  end if;
  return new;
end
$$;
create trigger messages_set_campaign before insert on public.messages
  for each row execute function private.messages_set_campaign();

select private.install_message_stats_triggers();

create table private.channel_pace (
  channel_id uuid primary key references public.channels(id) on delete cascade,
  next_slot_at timestamptz not null default now(),
  -- Exponential backoff after Meta's 130429 (throughput exceeded): current step, 0 when none.
  backoff_ms integer not null default 0
);
alter table private.channel_pace enable row level security;
revoke all on private.channel_pace from public, anon, authenticated;
grant select, insert, update, delete on private.channel_pace to service_role;
