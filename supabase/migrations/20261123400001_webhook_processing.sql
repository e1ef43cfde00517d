-- Meta webhook processing: retry schedule for events, the order of consent changes, the status
-- rank that moves outbound messages forward only, and role-checked writes on automation rules.

-- When an unprocessed event is due again (null = now). Set on a failed attempt with backoff, so
-- the sweep does not spin on an event that cannot be handled yet (a status for a message whose
-- wamid the send pipeline has not stored yet).
alter table public.webhook_events add column next_attempt_at timestamptz;

-- The Meta timestamp of the last STOP/START keyword applied to this contact. Webhooks arrive out of
-- order, so a keyword only changes opted_out when it is at least as new as the last one applied.
-- A manual change of opted_out should set it to now() as well.
alter table public.contacts add column consent_changed_at timestamptz;

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
