-- Message templates: one row per (WABA, name, language) as Meta knows them, per organization.
-- Created through the Graph API (`POST /{waba_id}/message_templates`), refreshed by sync (on
-- demand and by the worker) and by the `message_template_status_update` webhook. The send
-- pipeline validates a template message's variables against `components` before charging.
create table public.message_templates (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organizations(id) on delete cascade,
  waba_id text not null,
  -- Meta's template id; set once Meta has accepted the create call.
  meta_template_id text,
  name text not null check (name ~ '^[a-z0-9_]+$' and length(name) <= 512),
  language text not null check (length(language) between 2 and 15),
  category text not null check (category in ('MARKETING', 'UTILITY', 'AUTHENTICATION')),
  status text not null default 'PENDING'
    check (status in ('PENDING', 'APPROVED', 'REJECTED', 'PAUSED', 'DISABLED', 'IN_APPEAL',
                      'PENDING_DELETION', 'DELETED', 'LIMIT_EXCEEDED', 'ARCHIVED')),
  rejected_reason text,
  -- Meta's components array as created/synced: HEADER, BODY, FOOTER, BUTTONS.
  components jsonb not null default '[]'::jsonb check (jsonb_typeof(components) = 'array'),
  synced_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (org_id, waba_id, name, language)
);
create index message_templates_org_idx on public.message_templates (org_id, name);
create unique index message_templates_meta_id on public.message_templates (meta_template_id) where meta_template_id is not null;

alter table public.message_templates enable row level security;
-- Members read; owners and admins write (templates are created and deleted at Meta by the
-- service after the route checked the role; these policies keep RLS the real fence anyway).
create policy message_templates_select on public.message_templates for select to authenticated
  using (org_id in (select private.my_org_ids()));
create policy message_templates_insert on public.message_templates for insert to authenticated
  with check (private.has_org_role(org_id, array['owner', 'admin']));
create policy message_templates_update on public.message_templates for update to authenticated
  using (private.has_org_role(org_id, array['owner', 'admin']))
  with check (private.has_org_role(org_id, array['owner', 'admin']));
create policy message_templates_delete on public.message_templates for delete to authenticated
  using (private.has_org_role(org_id, array['owner', 'admin']));
grant select, insert, update, delete on public.message_templates to authenticated;
grant all on public.message_templates to service_role;
