-- message.received and message.status for tenants' outbound webhooks, recorded by triggers in the
-- same transaction as the change (the outbox pattern), so every path that stores an inbound
-- message or moves a status forward — the Meta webhook's fast path, its sweep, the send pipeline —
-- emits exactly once per (endpoint, event id). With no subscribed endpoint each trigger costs one
-- index probe on webhook_endpoints(org_id).

create function private.webhook_emit_message_received() returns trigger
language plpgsql set search_path = '' as $$
begin
  insert into public.webhook_deliveries (org_id, endpoint_id, event_id, event_type, payload)
    select e.org_id, e.id, 'message.received:' || new.wamid, 'message.received',
           jsonb_build_object(
             'message_id', new.id, 'wamid', new.wamid, 'channel_id', new.channel_id, 'contact_id', new.contact_id,
             'from', (select c.wa_id from public.contacts c where c.id = new.contact_id),
             'profile_name', (select c.profile_name from public.contacts c where c.id = new.contact_id),
             'type', new.type, 'text', new.text, 'content', new.content, 'timestamp', new.created_at)
      from public.webhook_endpoints e
     where e.org_id = new.org_id and e.enabled and 'message.received' = any (e.events)
    on conflict (endpoint_id, event_id) do nothing;
  return null;
end
$$;

create function private.webhook_emit_message_status() returns trigger
language plpgsql set search_path = '' as $$
begin
  insert into public.webhook_deliveries (org_id, endpoint_id, event_id, event_type, payload)
    select e.org_id, e.id, 'message.status:' || coalesce(new.wamid, new.id::text) || ':' || new.status, 'message.status',
           jsonb_build_object(
             'message_id', new.id, 'wamid', new.wamid, 'channel_id', new.channel_id,
             'recipient', (select c.wa_id from public.contacts c where c.id = new.contact_id),
             'status', new.status, 'timestamp', now(),
             'error', case when new.error_code is not null or new.error_title is not null
                           then jsonb_build_object('code', new.error_code, 'title', new.error_title) end,
             'refunded', new.refunded)
      from public.webhook_endpoints e
     where e.org_id = new.org_id and e.enabled and 'message.status' = any (e.events)
    on conflict (endpoint_id, event_id) do nothing;
  return null;
end
$$;

revoke all on function private.webhook_emit_message_received() from public, anon, authenticated;
revoke all on function private.webhook_emit_message_status() from public, anon, authenticated;

create trigger messages_webhook_received after insert on public.messages
  for each row when (new.direction = 'inbound' and new.wamid is not null)
  execute function private.webhook_emit_message_received();
create trigger messages_webhook_status after update of status on public.messages
  for each row when (new.direction = 'outbound' and new.status is distinct from old.status
                     and new.status in ('sent', 'delivered', 'read', 'failed'))
  execute function private.webhook_emit_message_status();
