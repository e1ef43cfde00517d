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

-- Search: name/profile name ilike '%…%' and number fragments (wa_id like '%…%'). Without these a
-- search that matches little reads every contact of the organization (npm run bench:contacts,
-- 200,000 contacts: a rare name ~110 ms → ~45 ms, no match ~90 ms → ~11 ms, through
-- contact_page_ids below). pg_trgm goes in the `extensions` schema, where Supabase keeps extensions.
create schema if not exists extensions;
create extension if not exists pg_trgm with schema extensions;
create index if not exists contacts_name_trgm_idx on public.contacts using gin (name extensions.gin_trgm_ops);
create index if not exists contacts_profile_name_trgm_idx on public.contacts using gin (profile_name extensions.gin_trgm_ops);
create index if not exists contacts_wa_id_trgm_idx on public.contacts using gin (wa_id extensions.gin_trgm_ops);

-- Under RLS Postgres applies the policy before any qual whose operator is not leakproof, and
-- ilike, like and @> are not: a member's search could use neither the trigram nor the tag index
-- and read every contact of the organization. This function finds one page of matching ids
-- with the indexes, for the caller's own organizations only (the same rule as the policy); the
-- rows themselves are then read under RLS. Dynamic SQL, so each call is planned for its filters.
create function private.contact_page_ids(
  p_org uuid,
  p_text text,          -- '%…%' pattern for name / profile name, or null
  p_digits text,        -- '%…%' pattern for wa_id, or null
  p_wa_id text,         -- an exact wa_id (the search typed as a full number), or null
  p_tags text[],        -- all of these tags, or null
  p_opted_out boolean,  -- or null for both
  p_after_at timestamptz,
  p_after_id uuid,
  p_limit integer
) returns table (id uuid)
language plpgsql stable security definer set search_path = '' as $$
declare
  v_sql text := 'select c.id from public.contacts c where c.org_id = $1';
  v_or text := '';
begin
  if p_org is null or not exists (select 1 from private.my_org_ids() o where o = p_org) then
    return;
  end if;
  if p_text is not null then
    v_or := 'c.name ilike $2 or c.profile_name ilike $2';
  end if;
  if p_digits is not null then
    v_or := v_or || case when v_or = '' then '' else ' or ' end || 'c.wa_id like $3';
  end if;
  if p_wa_id is not null then
    v_or := v_or || case when v_or = '' then '' else ' or ' end || 'c.wa_id = $4';
  end if;
  if v_or <> '' then
    v_sql := v_sql || ' and (' || v_or || ')';
  end if;
  if p_tags is not null then
    v_sql := v_sql || ' and c.tags @> $5';
  end if;
  if p_opted_out is not null then
    v_sql := v_sql || ' and c.opted_out = $6';
  end if;
  if p_after_at is not null then
    v_sql := v_sql || ' and (c.created_at, c.id) < ($7, $8)';
  end if;
  v_sql := v_sql || ' order by c.created_at desc, c.id desc limit $9';
  return query execute v_sql
    using p_org, p_text, p_digits, p_wa_id, p_tags, p_opted_out, p_after_at, p_after_id, least(greatest(p_limit, 1), 1000);
end
$$;
revoke all on function private.contact_page_ids(uuid, text, text, text, text[], boolean, timestamptz, uuid, integer) from public, anon;
grant execute on function private.contact_page_ids(uuid, text, text, text, text[], boolean, timestamptz, uuid, integer) to authenticated;
