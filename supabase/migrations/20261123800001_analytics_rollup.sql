-- Analytics rollup: per-day message counts and fees per organization, channel and campaign.
--
-- Why a rollup: an organization with a million messages cannot have its 90-day chart computed
-- from the messages table on every page view (measured: npm run bench:analytics).
--
-- Why a delta log: a message's status moves after it is inserted (pending -> sent -> delivered ->
-- read, or failed; refunded flips on a refund). A trigger that UPDATEd one counter row per
-- (org, channel, day) would make every send and status update of an organization queue on that
-- row, and could deadlock with the wallet row (a send locks wallet then counter; a refund path
-- locks counter then wallet). So the trigger only APPENDS the signed change of the message's
-- contribution (-old +new) to message_stats_delta: a heap with no index, no key and no foreign
-- key, the cheapest write Postgres has. A periodic job (lib/analytics/rollup.ts) moves those rows
-- into message_stats_daily, one row per key, in one statement. Readers sum both tables, so they
-- are exact at every moment, before or after a fold.
--
-- Definitions (shown on the analytics page too):
--   day        the Asia/Kolkata calendar day of messages.created_at (when the message was created,
--              i.e. queued to send or received). A message stays on that day for good.
--   pending..failed  outbound messages by their CURRENT status (the furthest one reached), so
--              they are exclusive: a read message counts once, under read.
--   inbound    inbound messages.
--   fees_paise service fees of those messages less the refunded ones (fee_paise when not refunded).
--   campaign_id  messages.campaign_id when that column exists (added by the campaigns work); null
--              before. Per-campaign figures are the same query grouped by it.

-- The folded figures: one row per (org, day, channel, campaign), written only by the fold job.
create table public.message_stats_daily (
  id bigint generated always as identity primary key,
  org_id uuid not null references public.organizations(id) on delete cascade,
  day date not null,
  -- No foreign keys on channel and campaign: a deleted channel's history stays (its messages are
  -- set null by their own FK, which the trigger records as a move to channel null).
  channel_id uuid,
  campaign_id uuid,
  pending integer not null default 0,
  sent integer not null default 0,
  delivered integer not null default 0,
  read integer not null default 0,
  failed integer not null default 0,
  inbound integer not null default 0,
  fees_paise bigint not null default 0
);
create unique index message_stats_daily_key on public.message_stats_daily (org_id, day, channel_id, campaign_id) nulls not distinct;
-- The operator's views read every organization by day.
create index message_stats_daily_day_idx on public.message_stats_daily (day);

-- Changes not folded yet. Deliberately no primary key and no index (the fold claims rows by ctid):
-- every message write adds a row here, and the table holds only the last few seconds of them.
create table public.message_stats_delta (
  org_id uuid not null,
  day date not null,
  channel_id uuid,
  campaign_id uuid,
  pending integer not null,
  sent integer not null,
  delivered integer not null,
  read integer not null,
  failed integer not null,
  inbound integer not null,
  fees_paise bigint not null
);
-- Rows live for seconds: vacuum it by row count, not by a fraction of its (tiny) size.
alter table public.message_stats_delta set (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 20000,
  autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 20000);

alter table public.message_stats_daily enable row level security;
alter table public.message_stats_delta enable row level security;
create policy message_stats_daily_select on public.message_stats_daily for select to authenticated
  using (org_id in (select private.my_org_ids()));
create policy message_stats_delta_select on public.message_stats_delta for select to authenticated
  using (org_id in (select private.my_org_ids()));
grant select on public.message_stats_daily, public.message_stats_delta to authenticated;
grant all on public.message_stats_daily, public.message_stats_delta to service_role;

-- message_stats_daily goes with its organization by FK; the delta log has no FK (one check per
-- message write), so this removes an organization's unfolded rows.
create function private.delete_org_stats() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  delete from public.message_stats_delta d where d.org_id = old.id;
  return null;
end
$$;
revoke all on function private.delete_org_stats() from public, anon, authenticated;
create trigger organizations_delete_stats after delete on public.organizations
  for each row execute function private.delete_org_stats();

-- Writes private.record_message_stats() and the messages triggers that call it. The function reads
-- messages.campaign_id when that column exists, and null otherwise; a migration that adds
-- messages.campaign_id after this one calls `select private.install_message_stats_triggers();`
-- once. (Reading the column generically, with to_jsonb(new), cost ~13 µs per message write.)
create function private.install_message_stats_triggers() returns void
language plpgsql set search_path = '' as $install$
declare
  has_campaign boolean := exists (
    select 1 from information_schema.columns
    where table_schema = 'public' and table_name = 'messages' and column_name = 'campaign_id'
  );
  n_campaign text := case when has_campaign then 'new.campaign_id' else 'null::uuid' end;
  o_campaign text := case when has_campaign then 'old.campaign_id' else 'null::uuid' end;
begin
  -- Security definer: messages are written by service_role code, but the rollup must be written
  -- whoever changes a message. It only appends rows derived from the changed message itself.
  execute format($f$
    create or replace function private.record_message_stats() returns trigger
    language plpgsql security definer set search_path = '' as $body$
    declare
      o_day date;
      n_day date;
    begin
      -- An organization being deleted takes its figures with it; nothing to record.
      if tg_op = 'DELETE' and not exists (select 1 from public.organizations o where o.id = old.org_id) then
        return null;
      end if;
      if tg_op <> 'DELETE' then
        n_day := (new.created_at at time zone 'Asia/Kolkata')::date;
      end if;
      if tg_op <> 'INSERT' then
        o_day := (old.created_at at time zone 'Asia/Kolkata')::date;
      end if;

      if tg_op = 'UPDATE' and old.org_id = new.org_id and o_day = n_day
         and old.channel_id is not distinct from new.channel_id and %2$s is not distinct from %1$s then
        -- The usual case (a status change or a refund): one row with new minus old.
        insert into public.message_stats_delta
          (org_id, day, channel_id, campaign_id, pending, sent, delivered, read, failed, inbound, fees_paise)
        values (
          new.org_id, n_day, new.channel_id, %1$s,
          (new.direction = 'outbound' and new.status = 'pending')::int - (old.direction = 'outbound' and old.status = 'pending')::int,
          (new.direction = 'outbound' and new.status = 'sent')::int - (old.direction = 'outbound' and old.status = 'sent')::int,
          (new.direction = 'outbound' and new.status = 'delivered')::int - (old.direction = 'outbound' and old.status = 'delivered')::int,
          (new.direction = 'outbound' and new.status = 'read')::int - (old.direction = 'outbound' and old.status = 'read')::int,
          (new.direction = 'outbound' and new.status = 'failed')::int - (old.direction = 'outbound' and old.status = 'failed')::int,
          (new.direction = 'inbound')::int - (old.direction = 'inbound')::int,
          (case when new.refunded then 0 else new.fee_paise end) - (case when old.refunded then 0 else old.fee_paise end)
        );
        return null;
      end if;

      if tg_op <> 'INSERT' then
        insert into public.message_stats_delta
          (org_id, day, channel_id, campaign_id, pending, sent, delivered, read, failed, inbound, fees_paise)
        values (
          old.org_id, o_day, old.channel_id, %2$s,
          -(old.direction = 'outbound' and old.status = 'pending')::int,
          -(old.direction = 'outbound' and old.status = 'sent')::int,
          -(old.direction = 'outbound' and old.status = 'delivered')::int,
          -(old.direction = 'outbound' and old.status = 'read')::int,
          -(old.direction = 'outbound' and old.status = 'failed')::int,
          -(old.direction = 'inbound')::int,
          -(case when old.refunded then 0 else old.fee_paise end)
        );
      end if;
      if tg_op <> 'DELETE' then
        insert into public.message_stats_delta
          (org_id, day, channel_id, campaign_id, pending, sent, delivered, read, failed, inbound, fees_paise)
        values (
          new.org_id, n_day, new.channel_id, %1$s,
          (new.direction = 'outbound' and new.status = 'pending')::int,
          (new.direction = 'outbound' and new.status = 'sent')::int,
          (new.direction = 'outbound' and new.status = 'delivered')::int,
          (new.direction = 'outbound' and new.status = 'read')::int,
          (new.direction = 'outbound' and new.status = 'failed')::int,
          (new.direction = 'inbound')::int,
          case when new.refunded then 0 else new.fee_paise end
        );
      end if;
      return null;
    end
    $body$;
  $f$, n_campaign, o_campaign);
  revoke all on function private.record_message_stats() from public, anon, authenticated;

  drop trigger if exists messages_stats_insert on public.messages;
  drop trigger if exists messages_stats_update on public.messages;
  drop trigger if exists messages_stats_delete on public.messages;
  create trigger messages_stats_insert after insert on public.messages
    for each row execute function private.record_message_stats();
  -- Only changes that move a message's contribution fire the function (wamid, attempts, text... do not).
  execute format($f$
    create trigger messages_stats_update
      after update of org_id, created_at, channel_id, direction, status, fee_paise, refunded %1$s on public.messages
      for each row
      when (old.status is distinct from new.status or old.refunded is distinct from new.refunded
            or old.fee_paise is distinct from new.fee_paise or old.channel_id is distinct from new.channel_id
            or old.direction is distinct from new.direction or old.created_at is distinct from new.created_at
            or old.org_id is distinct from new.org_id %2$s)
      execute function private.record_message_stats()
  $f$,
    case when has_campaign then ', campaign_id' else '' end,
    case when has_campaign then 'or old.campaign_id is distinct from new.campaign_id' else '' end);
  create trigger messages_stats_delete after delete on public.messages
    for each row execute function private.record_message_stats();
end
$install$;
revoke all on function private.install_message_stats_triggers() from public, anon, authenticated;

select private.install_message_stats_triggers();

-- Messages that exist before this migration: one merged row per key.
insert into public.message_stats_daily
  (org_id, day, channel_id, campaign_id, pending, sent, delivered, read, failed, inbound, fees_paise)
select m.org_id, (m.created_at at time zone 'Asia/Kolkata')::date, m.channel_id, (to_jsonb(m) ->> 'campaign_id')::uuid,
       count(*) filter (where m.direction = 'outbound' and m.status = 'pending'),
       count(*) filter (where m.direction = 'outbound' and m.status = 'sent'),
       count(*) filter (where m.direction = 'outbound' and m.status = 'delivered'),
       count(*) filter (where m.direction = 'outbound' and m.status = 'read'),
       count(*) filter (where m.direction = 'outbound' and m.status = 'failed'),
       count(*) filter (where m.direction = 'inbound'),
       coalesce(sum(case when m.refunded then 0 else m.fee_paise end), 0)
from public.messages m
group by 1, 2, 3, 4;

-- Recharges are read straight from the ledger: credits are few, and this keeps the lookup off the
-- (org, created_at) index that every message debit also lives in.
create index wallet_transactions_credits_idx on public.wallet_transactions (org_id, created_at) where kind = 'credit';
