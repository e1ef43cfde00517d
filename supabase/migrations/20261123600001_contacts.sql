-- Contacts: paging and filter indexes, a hard cap on tags, and role-checked deletes.

-- The list pages newest first with a (created_at, id) cursor; this index serves it directly
-- and supersedes the core schema's (org_id, created_at desc).
create index if not exists contacts_org_created_id_idx on public.contacts (org_id, created_at desc, id desc);
drop index if exists public.contacts_org_created_idx;

-- Tag filter chips: tags @> array[...].
create index if not exists contacts_tags_idx on public.contacts using gin (tags);

-- The application keeps tags to 20 per contact; the database makes sure of it.
alter table public.contacts add constraint contacts_tags_max check (cardinality(tags) <= 20);

-- The core FOR ALL policy let any member delete contacts (DELETE checks only USING). Members
-- still read, add and edit; deleting needs owner or admin, as in the API.
drop policy if exists contacts_all on public.contacts;
create policy contacts_select on public.contacts for select to authenticated
  using (org_id in (select private.my_org_ids()));
create policy contacts_insert on public.contacts for insert to authenticated
  with check (org_id in (select private.my_org_ids()));
create policy contacts_update on public.contacts for update to authenticated
  using (org_id in (select private.my_org_ids()))
  with check (org_id in (select private.my_org_ids()));
create policy contacts_delete on public.contacts for delete to authenticated
  using (private.has_org_role(org_id, array['owner', 'admin']));
