-- The analytics rollup is written once per statement, not once per message row (issues #3, #5:
-- npm run bench:send, npm run bench:webhook).
--
-- record_message_stats ran for every inserted message and every status change: one INSERT into
-- message_stats_delta per row, each paying its executor start-up. Sends are now written a batch
-- at a time (one INSERT for the batch's messages, one UPDATE for the batch's "sent"), and webhook
-- statuses are applied a POST at a time, so the same rollup is written here once per statement
-- from its transition tables: one delta row per (organization, day, channel, campaign) touched,
-- holding the sums. The figures are the same (each message still counts new minus old); the fold
-- job reads delta rows whatever their number.
--
-- Transition tables do not allow a column list or a WHEN clause on the trigger, so the UPDATE
-- trigger fires for every UPDATE statement on messages and picks, in SQL, the rows whose
-- contribution moved — the same test the old WHEN clause made. Deletes keep the row trigger
-- (rare; it also skips an organization being deleted).

create function private.record_message_stats_inserted() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  insert into public.message_stats_delta
    (org_id, day, channel_id, campaign_id, pending, sent, delivered, read, failed, inbound, fees_paise)
  select n.org_id, (n.created_at at time zone 'Asia/Kolkata')::date, n.channel_id, n.campaign_id,
         sum((n.direction = 'outbound' and n.status = 'pending')::int),
         sum((n.direction = 'outbound' and n.status = 'sent')::int),
         sum((n.direction = 'outbound' and n.status = 'delivered')::int),
         sum((n.direction = 'outbound' and n.status = 'read')::int),
         sum((n.direction = 'outbound' and n.status = 'failed')::int),
         sum((n.direction = 'inbound')::int),
         sum(case when n.refunded then 0 else n.fee_paise end)
    from new_rows n
   group by 1, 2, 3, 4;
  return null;
end
$$;

create function private.record_message_stats_updated() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  with changed as (
    select n.org_id as n_org, n.created_at as n_created, n.channel_id as n_channel, n.campaign_id as n_campaign,
           n.direction as n_direction, n.status as n_status, n.refunded as n_refunded, n.fee_paise as n_fee,
           o.org_id as o_org, o.created_at as o_created, o.channel_id as o_channel, o.campaign_id as o_campaign,
           o.direction as o_direction, o.status as o_status, o.refunded as o_refunded, o.fee_paise as o_fee
      from new_rows n
      join old_rows o on o.id = n.id
     where o.status is distinct from n.status or o.refunded is distinct from n.refunded
        or o.fee_paise is distinct from n.fee_paise or o.channel_id is distinct from n.channel_id
        or o.direction is distinct from n.direction or o.created_at is distinct from n.created_at
        or o.org_id is distinct from n.org_id or o.campaign_id is distinct from n.campaign_id
  ),
  -- Each changed message: its new contribution, and its old one taken back.
  contributions (sign, org_id, created_at, channel_id, campaign_id, direction, status, refunded, fee_paise) as (
    select 1, n_org, n_created, n_channel, n_campaign, n_direction, n_status, n_refunded, n_fee from changed
    union all
    select -1, o_org, o_created, o_channel, o_campaign, o_direction, o_status, o_refunded, o_fee from changed
  )
  insert into public.message_stats_delta
    (org_id, day, channel_id, campaign_id, pending, sent, delivered, read, failed, inbound, fees_paise)
  select c.org_id, (c.created_at at time zone 'Asia/Kolkata')::date, c.channel_id, c.campaign_id,
         sum(c.sign * (c.direction = 'outbound' and c.status = 'pending')::int),
         sum(c.sign * (c.direction = 'outbound' and c.status = 'sent')::int),
         sum(c.sign * (c.direction = 'outbound' and c.status = 'delivered')::int),
         sum(c.sign * (c.direction = 'outbound' and c.status = 'read')::int),
         sum(c.sign * (c.direction = 'outbound' and c.status = 'failed')::int),
         sum(c.sign * (c.direction = 'inbound')::int),
         sum(c.sign * case when c.refunded then 0 else c.fee_paise end)
    from contributions c
   group by 1, 2, 3, 4
  having sum(c.sign * (c.direction = 'outbound' and c.status = 'pending')::int) <> 0
      or sum(c.sign * (c.direction = 'outbound' and c.status = 'sent')::int) <> 0
      or sum(c.sign * (c.direction = 'outbound' and c.status = 'delivered')::int) <> 0
      or sum(c.sign * (c.direction = 'outbound' and c.status = 'read')::int) <> 0
      or sum(c.sign * (c.direction = 'outbound' and c.status = 'failed')::int) <> 0
      or sum(c.sign * (c.direction = 'inbound')::int) <> 0
      or sum(c.sign * case when c.refunded then 0 else c.fee_paise end) <> 0;
  return null;
end
$$;

revoke all on function private.record_message_stats_inserted() from public, anon, authenticated;
revoke all on function private.record_message_stats_updated() from public, anon, authenticated;

drop trigger messages_stats_insert on public.messages;
drop trigger messages_stats_update on public.messages;
create trigger messages_stats_insert after insert on public.messages
  referencing new table as new_rows
  for each statement execute function private.record_message_stats_inserted();
create trigger messages_stats_update after update on public.messages
  referencing old table as old_rows new table as new_rows
  for each statement execute function private.record_message_stats_updated();

-- It would put the per-row insert and update triggers back beside these.
drop function private.install_message_stats_triggers();
