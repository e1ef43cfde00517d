-- The inbox orders conversations by their latest message and counts unread inbound messages.
-- contacts.last_message_at is kept by a trigger on messages (one indexed UPDATE per message,
-- skipped when a message arrives out of order); last_read_at is set when someone opens the thread.
alter table public.contacts add column if not exists last_message_at timestamptz;
alter table public.contacts add column if not exists last_read_at timestamptz;
create index if not exists contacts_org_last_message_idx on public.contacts (org_id, last_message_at desc nulls last, id desc);

create function private.touch_contact_last_message() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  if new.contact_id is not null then
    update public.contacts c set last_message_at = new.created_at
      where c.id = new.contact_id and (c.last_message_at is null or c.last_message_at < new.created_at);
  end if;
  return new;
end
$$;
revoke all on function private.touch_contact_last_message() from public, anon, authenticated;
create trigger messages_touch_contact after insert on public.messages
  for each row execute function private.touch_contact_last_message();

update public.contacts c set last_message_at = m.last
  from (select contact_id, max(created_at) as last from public.messages where contact_id is not null group by contact_id) m
  where m.contact_id = c.id;

grant update (last_read_at) on public.contacts to authenticated;
