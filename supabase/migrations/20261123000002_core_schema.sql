-- The tenant model: organizations, their members, and every tenant table with org_id.
-- RLS is enabled on every table; tenant policies go through private.my_org_ids(), evaluated
-- once per statement (an initplan) instead of once per row.

create schema if not exists private;
revoke all on schema private from public;
grant usage on schema private to authenticated, service_role;

create table public.organizations (
  id uuid primary key default gen_random_uuid(),
  name text not null check (length(btrim(name)) between 1 and 120),
  status text not null default 'active' check (status in ('active', 'suspended')),
  service_fee_paise bigint not null default 20 check (service_fee_paise >= 0),
  low_balance_threshold_paise bigint not null default 10000 check (low_balance_threshold_paise >= 0),
  created_by uuid references auth.users(id) on delete set null,
  created_at timestamptz not null default now()
);

create table public.profiles (
  user_id uuid primary key references auth.users(id) on delete cascade,
  email text not null,
  full_name text,
  created_at timestamptz not null default now()
);

create table public.memberships (
  org_id uuid not null references public.organizations(id) on delete cascade,
  user_id uuid not null references auth.users(id) on delete cascade,
  role text not null check (role in ('owner', 'admin', 'agent')),
  created_at timestamptz not null default now(),
  primary key (org_id, user_id)
);
create index memberships_user_idx on public.memberships (user_id);

-- Platform operators (super admins): a role separate from any tenant membership.
create table public.platform_admins (
  user_id uuid primary key references auth.users(id) on delete cascade,
  created_at timestamptz not null default now()
);

-- The membership helpers. Security definer so that policies on memberships itself do not recurse;
-- each one answers only about the calling user (auth.uid()), so exposing it to authenticated leaks nothing.
create function private.my_org_ids() returns setof uuid
language sql stable security definer set search_path = '' as $$
  select m.org_id from public.memberships m where m.user_id = (select auth.uid())
$$;

create function private.has_org_role(p_org uuid, p_roles text[]) returns boolean
language sql stable security definer set search_path = '' as $$
  select exists (
    select 1 from public.memberships m
    where m.org_id = p_org and m.user_id = (select auth.uid()) and m.role = any (p_roles)
  )
$$;

revoke all on function private.my_org_ids() from public, anon;
revoke all on function private.has_org_role(uuid, text[]) from public, anon;
grant execute on function private.my_org_ids() to authenticated, service_role;
grant execute on function private.has_org_role(uuid, text[]) to authenticated, service_role;

-- One wallet per organization, holding the balance the ledger sums to.
create table public.wallets (
  org_id uuid primary key references public.organizations(id) on delete cascade,
  balance_paise bigint not null default 0 check (balance_paise >= 0),
  updated_at timestamptz not null default now()
);

-- Append-only ledger. amount_paise is signed (credits positive, debits negative).
create table public.wallet_transactions (
  id bigint generated always as identity primary key,
  org_id uuid not null references public.organizations(id) on delete cascade,
  kind text not null check (kind in ('credit', 'debit', 'refund', 'adjustment')),
  amount_paise bigint not null check (amount_paise <> 0),
  balance_after_paise bigint not null check (balance_after_paise >= 0),
  reference text not null unique,
  related_transaction_id bigint references public.wallet_transactions(id),
  message_id uuid,
  payment_id uuid,
  description text,
  created_by uuid references auth.users(id) on delete set null,
  created_at timestamptz not null default now(),
  check ((kind = 'debit' and amount_paise < 0) or (kind in ('credit', 'refund') and amount_paise > 0) or kind = 'adjustment')
);
create index wallet_transactions_org_created_idx on public.wallet_transactions (org_id, created_at desc, id desc);
create unique index wallet_transactions_one_refund_per_debit on public.wallet_transactions (related_transaction_id) where kind = 'refund';

create function private.forbid_ledger_change() returns trigger language plpgsql set search_path = '' as $$
begin
  raise exception 'wallet_transactions is append-only';
end
$$;
create trigger wallet_transactions_append_only before update or delete on public.wallet_transactions
  for each row execute function private.forbid_ledger_change();

create function private.create_wallet_for_org() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  insert into public.wallets (org_id) values (new.id) on conflict do nothing;
  return new;
end
$$;
revoke all on function private.create_wallet_for_org() from public, anon, authenticated;
create trigger organizations_create_wallet after insert on public.organizations
  for each row execute function private.create_wallet_for_org();

create table public.api_keys (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organizations(id) on delete cascade,
  name text not null default 'API key',
  prefix text not null unique,
  key_hash text not null unique,
  created_by uuid references auth.users(id) on delete set null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
create index api_keys_org_idx on public.api_keys (org_id);

create table public.channels (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organizations(id) on delete cascade,
  mode text not null default 'sandbox' check (mode in ('live', 'sandbox')),
  phone_number_id text not null unique,
  waba_id text not null,
  display_phone_number text not null,
  verified_name text,
  status text not null default 'connected' check (status in ('connected', 'disconnected', 'token_expired')),
  is_default boolean not null default false,
  access_token_encrypted text,
  throughput_mps integer not null default 80 check (throughput_mps between 1 and 1000),
  messaging_limit_tier integer check (messaging_limit_tier is null or messaging_limit_tier in (250, 2000, 10000, 100000)),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index channels_org_idx on public.channels (org_id);
create unique index channels_one_default_per_org on public.channels (org_id) where is_default;

create table public.contacts (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organizations(id) on delete cascade,
  wa_id text not null,
  phone_e164 text,
  name text,
  profile_name text,
  tags text[] not null default '{}',
  attributes jsonb not null default '{}'::jsonb,
  opted_out boolean not null default false,
  opted_out_at timestamptz,
  last_inbound_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (org_id, wa_id)
);
create index contacts_org_created_idx on public.contacts (org_id, created_at desc);

create table public.messages (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organizations(id) on delete cascade,
  channel_id uuid references public.channels(id) on delete set null,
  contact_id uuid references public.contacts(id) on delete set null,
  direction text not null check (direction in ('inbound', 'outbound')),
  type text not null,
  status text not null check (status in ('pending', 'sent', 'delivered', 'read', 'failed', 'received')),
  wamid text unique,
  text text,
  content jsonb not null default '{}'::jsonb,
  fee_paise bigint not null default 0 check (fee_paise >= 0),
  debit_transaction_id bigint references public.wallet_transactions(id),
  refunded boolean not null default false,
  error_code integer,
  error_title text,
  idempotency_key text,
  request_hash text,
  reply_to_message_id uuid references public.messages(id) on delete set null,
  attempts integer not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  sent_at timestamptz,
  delivered_at timestamptz,
  read_at timestamptz,
  failed_at timestamptz
);
create index messages_org_created_idx on public.messages (org_id, created_at desc, id desc);
create index messages_contact_created_idx on public.messages (contact_id, created_at desc);
create index messages_pending_idx on public.messages (created_at) where status = 'pending';
create unique index messages_idempotency_idx on public.messages (org_id, idempotency_key) where idempotency_key is not null;
-- At most one auto-reply per inbound message.
create unique index messages_one_reply_per_inbound on public.messages (reply_to_message_id) where reply_to_message_id is not null;

create table public.automation_rules (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organizations(id) on delete cascade,
  name text not null,
  match_type text not null check (match_type in ('exact', 'contains', 'starts_with')),
  keyword text not null check (length(keyword) between 1 and 200),
  reply_text text not null check (length(reply_text) between 1 and 4096),
  priority integer not null default 100,
  enabled boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index automation_rules_org_idx on public.automation_rules (org_id, priority);

create table public.payments (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organizations(id) on delete cascade,
  provider text not null default 'razorpay',
  mode text not null check (mode in ('live', 'sandbox')),
  order_id text not null unique,
  payment_id text unique,
  amount_paise bigint not null check (amount_paise >= 100),
  currency text not null default 'INR',
  status text not null default 'created' check (status in ('created', 'paid', 'failed', 'refunded')),
  refunded_paise bigint not null default 0 check (refunded_paise >= 0),
  failure_reason text,
  created_by uuid references auth.users(id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  paid_at timestamptz
);
create index payments_org_created_idx on public.payments (org_id, created_at desc);

-- Every inbound webhook delivery, deduplicated by the provider's own id.
-- org_id is null until routing has resolved it from verified data (or when it cannot be).
create table public.webhook_events (
  id bigint generated always as identity primary key,
  source text not null check (source in ('meta', 'razorpay')),
  event_id text not null,
  org_id uuid references public.organizations(id) on delete cascade,
  kind text,
  payload jsonb not null,
  received_at timestamptz not null default now(),
  processed_at timestamptz,
  attempts integer not null default 0,
  last_error text,
  unique (source, event_id)
);
create index webhook_events_unprocessed_idx on public.webhook_events (received_at) where processed_at is null;

-- In-app notices (low balance and the like) for an organization's admins.
create table public.notifications (
  id bigint generated always as identity primary key,
  org_id uuid not null references public.organizations(id) on delete cascade,
  kind text not null,
  title text not null,
  body text,
  data jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  read_at timestamptz,
  emailed_at timestamptz
);
create index notifications_org_idx on public.notifications (org_id, created_at desc);

-- Row level security everywhere.
alter table public.organizations enable row level security;
alter table public.profiles enable row level security;
alter table public.memberships enable row level security;
alter table public.platform_admins enable row level security;
alter table public.wallets enable row level security;
alter table public.wallet_transactions enable row level security;
alter table public.api_keys enable row level security;
alter table public.channels enable row level security;
alter table public.contacts enable row level security;
alter table public.messages enable row level security;
alter table public.automation_rules enable row level security;
alter table public.payments enable row level security;
alter table public.webhook_events enable row level security;
alter table public.notifications enable row level security;

-- Organizations: members read; owners and admins update the profile (fee and status are the operator's).
create policy organizations_select on public.organizations for select to authenticated
  using (id in (select private.my_org_ids()));
create policy organizations_update on public.organizations for update to authenticated
  using (private.has_org_role(id, array['owner', 'admin']))
  with check (private.has_org_role(id, array['owner', 'admin']));

create policy profiles_select on public.profiles for select to authenticated
  using (user_id = (select auth.uid()) or user_id in (
    select m.user_id from public.memberships m where m.org_id in (select private.my_org_ids())));
create policy profiles_update on public.profiles for update to authenticated
  using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));

create policy memberships_select on public.memberships for select to authenticated
  using (org_id in (select private.my_org_ids()));

create policy wallets_select on public.wallets for select to authenticated
  using (org_id in (select private.my_org_ids()));
create policy wallet_transactions_select on public.wallet_transactions for select to authenticated
  using (org_id in (select private.my_org_ids()));

create policy api_keys_select on public.api_keys for select to authenticated
  using (private.has_org_role(org_id, array['owner', 'admin']));

create policy channels_select on public.channels for select to authenticated
  using (org_id in (select private.my_org_ids()));

create policy contacts_all on public.contacts for all to authenticated
  using (org_id in (select private.my_org_ids()))
  with check (org_id in (select private.my_org_ids()));

create policy messages_select on public.messages for select to authenticated
  using (org_id in (select private.my_org_ids()));

create policy automation_rules_all on public.automation_rules for all to authenticated
  using (org_id in (select private.my_org_ids()))
  with check (private.has_org_role(org_id, array['owner', 'admin']));

create policy payments_select on public.payments for select to authenticated
  using (org_id in (select private.my_org_ids()));

create policy webhook_events_select on public.webhook_events for select to authenticated
  using (org_id in (select private.my_org_ids()));

create policy notifications_select on public.notifications for select to authenticated
  using (org_id in (select private.my_org_ids()));
create policy notifications_update on public.notifications for update to authenticated
  using (org_id in (select private.my_org_ids()))
  with check (org_id in (select private.my_org_ids()));

-- Privileges. anon gets nothing. authenticated gets what the policies allow it to use;
-- money, channels, keys and messages change only through server code running as service_role.
revoke all on all tables in schema public from anon;
grant select on all tables in schema public to authenticated;
revoke select on public.platform_admins from authenticated;
grant update (name, low_balance_threshold_paise) on public.organizations to authenticated;
grant update (full_name) on public.profiles to authenticated;
grant insert, update, delete on public.contacts to authenticated;
grant insert, update, delete on public.automation_rules to authenticated;
grant update (read_at) on public.notifications to authenticated;
grant all on all tables in schema public to service_role;
grant usage on all sequences in schema public to service_role;
