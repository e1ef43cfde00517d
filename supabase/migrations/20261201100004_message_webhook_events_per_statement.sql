-- Outbound webhook deliveries for messages are queued once per statement, not once per message row
-- (issue #3: npm run bench:webhook, npm run bench:send).
--
-- messages_webhook_received and messages_webhook_status ran their INSERT ... SELECT FROM
-- webhook_endpoints for every inbound message and every status change, endpoints or not. Webhook
-- POSTs are ingested a POST at a time and sends are marked sent a batch at a time, so the same
-- deliveries are now queued from the statement's transition tables: one INSERT per statement,
-- with the same event ids, event types and payloads (so the same dedupe on (endpoint, event id)).
-- Transition tables allow no WHEN clause or column list: the conditions the triggers had are in
-- the WHERE clauses.

create or replace function private.webhook_emit_message_received() returns trigger
language plpgsql set search_path = '' as $$
begin
  insert into public.webhook_deliveries (org_id, endpoint_id, event_id, event_type, payload)
    select e.org_id, e.id, 'message.received:' || n.wamid, 'message.received',
           jsonb_build_object(
             'message_id', n.id, 'wamid', n.wamid, 'channel_id', n.channel_id, 'contact_id', n.contact_id,
             'from', c.wa_id, 'profile_name', c.profile_name,
             'type', n.type, 'text', n.text, 'content', n.content, 'timestamp', n.created_at)
      from new_rows n
      join public.webhook_endpoints e on e.org_id = n.org_id and e.enabled and 'message.received' = any (e.events)
      left join public.contacts c on c.id = n.contact_id
     where n.direction = 'inbound' and n.wamid is not null
    on conflict (endpoint_id, event_id) do nothing;
  return null;
end
$$;

create or replace function private.webhook_emit_message_status() returns trigger
language plpgsql set search_path = '' as $$
begin
  insert into public.webhook_deliveries (org_id, endpoint_id, event_id, event_type, payload)
    select e.org_id, e.id, 'message.status:' || coalesce(n.wamid, n.id::text) || ':' || n.status, 'message.status',
           jsonb_build_object(
             'message_id', n.id, 'wamid', n.wamid, 'channel_id', n.channel_id,
             'recipient', c.wa_id,
             'status', n.status, 'timestamp', now(),
             'error', case when n.error_code is not null or n.error_title is not null
                           then jsonb_build_object('code', n.error_code, 'title', n.error_title) end,
             'refunded', n.refunded)
      from new_rows n
      join old_rows o on o.id = n.id
      join public.webhook_endpoints e on e.org_id = n.org_id and e.enabled and 'message.status' = any (e.events)
      left join public.contacts c on c.id = n.contact_id
     where n.direction = 'outbound' and n.status is distinct from o.status
       and n.status in ('sent', 'delivered', 'read', 'failed')
    on conflict (endpoint_id, event_id) do nothing;
  return null;
end
$$;

revoke all on function private.webhook_emit_message_received() from public, anon, authenticated;
revoke all on function private.webhook_emit_message_status() from public, anon, authenticated;

drop trigger messages_webhook_received on public.messages;
drop trigger messages_webhook_status on public.messages;
create trigger messages_webhook_received after insert on public.messages
  referencing new table as new_rows
  for each statement execute function private.webhook_emit_message_received();
create trigger messages_webhook_status after update on public.messages
  referencing old table as old_rows new table as new_rows
  for each statement execute function private.webhook_emit_message_status();
