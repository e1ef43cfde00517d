-- Meta webhook processing: retry schedule for events, the order of consent changes, the status
-- rank that moves outbound messages forward only, and role-checked writes on automation rules.

-- When an unprocessed event is due again (null = now). Set on a failed attempt with backoff, so
-- the sweep does not spin on an event that cannot be handled yet (a status for a message whose
-- wamid the send pipeline has not stored yet).
alter table public.webhook_events add column next_attempt_at timestamptz;

-- When the contact's consent last changed: the Meta timestamp of the last STOP/START keyword
-- applied, or the time of a manual change. Webhooks arrive out of order, so a keyword only changes
-- opted_out when it is at least as new as the last change.
alter table public.contacts add column consent_changed_at timestamptz;

-- A change of opted_out that does not say when (the dashboard, the API, a CSV import) happened now.
create function private.stamp_consent_change() returns trigger
language plpgsql set search_path = '' as $$
begin
  new.consent_changed_at := now();
  return new;
end
$$;
revoke all on function private.stamp_consent_change() from public, anon, authenticated;
create trigger contacts_stamp_consent_change before update of opted_out on public.contacts
  for each row
  when (old.opted_out is distinct from new.opted_out and new.consent_changed_at is not distinct from old.consent_changed_at)
  execute function private.stamp_consent_change();

-- Statuses of an outbound message move forward only: pending < sent < delivered < read.
-- failed ranks with delivered: it applies over pending and sent (Meta reports failed after sent),
-- not over delivered or read (the message reached the phone; a later failed is stale), and is
-- final (nothing moves a failed message). Used as: status <> 'failed' and rank(status) < rank(new).
create function private.message_status_rank(p_status text) returns integer
language sql immutable parallel safe set search_path = '' as $$
  select case p_status
    when 'pending' then 0
    when 'sent' then 1
    when 'delivered' then 2
    when 'failed' then 2
    when 'read' then 3
    else -1
  end
$$;
revoke all on function private.message_status_rank(text) from public, anon;
grant execute on function private.message_status_rank(text) to authenticated, service_role;

-- automation_rules had one FOR ALL policy whose USING let any member (agents too) delete rules:
-- DELETE checks only USING. Reads stay open to members; writes need owner or admin.
drop policy automation_rules_all on public.automation_rules;
create policy automation_rules_select on public.automation_rules for select to authenticated
  using (org_id in (select private.my_org_ids()));
create policy automation_rules_insert on public.automation_rules for insert to authenticated
  with check (private.has_org_role(org_id, array['owner', 'admin']));
create policy automation_rules_update on public.automation_rules for update to authenticated
  using (private.has_org_role(org_id, array['owner', 'admin']))
  with check (private.has_org_role(org_id, array['owner', 'admin']));
create policy automation_rules_delete on public.automation_rules for delete to authenticated
  using (private.has_org_role(org_id, array['owner', 'admin']));

alter table public.automation_rules
  add constraint automation_rules_name_length check (length(btrim(name)) between 1 and 120);
