-- Team invitations: an owner or admin invites an email with a role; the invitee follows a
-- one-time link to set a password. Only a SHA-256 of the link's token is stored.
create table public.invitations (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organizations(id) on delete cascade,
  email text not null,
  role text not null check (role in ('owner', 'admin', 'agent')),
  token_hash text not null unique,
  invited_by uuid references auth.users(id) on delete set null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null default now() + interval '7 days',
  accepted_at timestamptz,
  revoked_at timestamptz
);
create index invitations_org_idx on public.invitations (org_id, created_at desc);
create unique index invitations_one_open_per_email on public.invitations (org_id, email)
  where accepted_at is null and revoked_at is null;

alter table public.invitations enable row level security;
create policy invitations_select on public.invitations for select to authenticated
  using (private.has_org_role(org_id, array['owner', 'admin']));
grant select on public.invitations to authenticated;
grant all on public.invitations to service_role;
