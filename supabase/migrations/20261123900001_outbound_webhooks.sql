-- Outbound webhooks: tenants register HTTPS endpoints and we POST them signed events
-- (lib/webhooks/). webhook_deliveries is an outbox: a service records the delivery rows in the
-- same transaction as the change that caused the event, and the delivery worker sends them.

create table public.webhook_endpoints (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organizations(id) on delete cascade,
  url text not null check (length(url) between 8 and 2048),
  description text check (description is null or length(description) <= 200),
  -- Only the subscribable types (webhook.test is sent on request, to one endpoint).
  events text[] not null check (
    cardinality(events) >= 1 and events <@ array['message.received', 'message.status', 'wallet.low_balance']::text[]
  ),
  -- The signing secret, sealed with AES-256-GCM (APP_ENCRYPTION_KEY): we need the secret itself to
  -- sign, so it cannot be hashed like an API key. After a rotation the previous secret keeps
  -- signing alongside the new one until previous_secret_expires_at, so receivers can switch over.
  secret_encrypted text not null,
  previous_secret_encrypted text,
  previous_secret_expires_at timestamptz,
  enabled boolean not null default true,
  created_by uuid references auth.users(id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  secret_rotated_at timestamptz
);
-- emitEvent looks endpoints up by organization on every event.
create index webhook_endpoints_org_idx on public.webhook_endpoints (org_id);

create table public.webhook_deliveries (
  id bigint generated always as identity primary key,
  org_id uuid not null references public.organizations(id) on delete cascade,
  endpoint_id uuid not null references public.webhook_endpoints(id) on delete cascade,
  event_id text not null check (length(event_id) between 1 and 200),
  event_type text not null check (event_type in ('message.received', 'message.status', 'wallet.low_balance', 'webhook.test')),
  payload jsonb not null,
  -- pending: not attempted yet (or queued again by hand); failed: the last attempt failed and
  -- next_attempt_at holds the retry; succeeded / dead: final (next_attempt_at is null).
  status text not null default 'pending' check (status in ('pending', 'succeeded', 'failed', 'dead')),
  attempts integer not null default 0 check (attempts >= 0),
  next_attempt_at timestamptz default now(),
  -- A failed attempt at or after this moment makes the delivery dead instead of scheduling another.
  retry_until timestamptz not null default now() + interval '24 hours',
  last_attempt_at timestamptz,
  -- Set while a worker is attempting this delivery (cleared with the outcome): a retry by hand
  -- refuses a delivery that is in flight instead of sending it twice at once.
  claimed_at timestamptz,
  last_status_code integer,
  last_error text check (last_error is null or length(last_error) <= 500),
  last_response_snippet text check (last_response_snippet is null or length(last_response_snippet) <= 500),
  created_at timestamptz not null default now(),
  delivered_at timestamptz,
  -- One delivery per event per endpoint: emitting the same event again is a no-op.
  unique (endpoint_id, event_id),
  check ((status in ('pending', 'failed')) = (next_attempt_at is not null))
);
-- The worker's claim: due rows, oldest first. Partial, so finished rows cost nothing here.
create index webhook_deliveries_due_idx on public.webhook_deliveries (next_attempt_at) where status in ('pending', 'failed');
-- The delivery log of one endpoint, newest first, paged by id.
create index webhook_deliveries_endpoint_idx on public.webhook_deliveries (endpoint_id, id desc);

alter table public.webhook_endpoints enable row level security;
alter table public.webhook_deliveries enable row level security;

-- Owners and admins read their organization's endpoints and deliveries (agents do not: the log
-- shows message payloads and where they go). Every write goes through lib/webhooks as service_role.
create policy webhook_endpoints_select on public.webhook_endpoints for select to authenticated
  using (private.has_org_role(org_id, array['owner', 'admin']));
create policy webhook_deliveries_select on public.webhook_deliveries for select to authenticated
  using (private.has_org_role(org_id, array['owner', 'admin']));

-- The sealed secrets are not readable by authenticated at all, not even as ciphertext.
grant select (id, org_id, url, description, events, enabled, created_by, created_at, updated_at, secret_rotated_at,
              previous_secret_expires_at)
  on public.webhook_endpoints to authenticated;
grant select on public.webhook_deliveries to authenticated;
grant all on public.webhook_endpoints, public.webhook_deliveries to service_role;
grant usage on all sequences in schema public to service_role;

-- A low-balance notice (recorded by the wallet functions, once per crossing, in the debit's own
-- transaction) becomes a wallet.low_balance event in that same transaction, so no debit path has
-- to remember to emit it. Same statement as emitEvent in lib/webhooks/events.ts.
create function private.webhook_emit_low_balance() returns trigger
language plpgsql set search_path = '' as $$
begin
  insert into public.webhook_deliveries (org_id, endpoint_id, event_id, event_type, payload)
    select e.org_id, e.id, 'wallet.low_balance:' || coalesce(new.data ->> 'transaction_id', 'n' || new.id::text),
           'wallet.low_balance',
           jsonb_build_object(
             'balance_paise', (new.data ->> 'balance_paise')::bigint,
             'threshold_paise', (new.data ->> 'threshold_paise')::bigint,
             'transaction_id', (new.data ->> 'transaction_id')::bigint,
             'notification_id', new.id)
      from public.webhook_endpoints e
     where e.org_id = new.org_id and e.enabled and 'wallet.low_balance' = any (e.events)
    on conflict (endpoint_id, event_id) do nothing;
  return null;
end
$$;
revoke all on function private.webhook_emit_low_balance() from public, anon, authenticated;
create trigger notifications_webhook_low_balance after insert on public.notifications
  for each row when (new.kind = 'low_balance') execute function private.webhook_emit_low_balance();
