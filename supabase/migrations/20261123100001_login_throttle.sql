-- Login rate limiting, shared by every app instance through the database.
-- One row per throttled key ('email:<address>' or 'ip:<address>'): a fixed window that starts
-- at the first attempt and counts attempts until it expires. lib/auth/rate-limit.ts consumes
-- an attempt for both keys with one INSERT ... ON CONFLICT statement, so concurrent attempts
-- from many instances are counted exactly (the row lock serialises them).
-- Not tenant data (no org_id): it lives in the private schema, which PostgREST does not expose,
-- with RLS on and no policies, and only service_role may touch it.
create table private.login_throttle (
  key text primary key check (length(key) between 1 and 400),
  window_start timestamptz not null default now(),
  attempts integer not null default 0 check (attempts >= 0)
);
create index login_throttle_window_idx on private.login_throttle (window_start);

alter table private.login_throttle enable row level security;
revoke all on private.login_throttle from public, anon, authenticated;
grant select, insert, update, delete on private.login_throttle to service_role;
