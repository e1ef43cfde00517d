-- Demo data for a Supabase project (`supabase db reset` runs this file).
-- The embedded default seeds through lib/seed/demo.ts instead, because its users need argon2
-- password hashes; on Supabase, users sign up through Supabase Auth, so this seed adds none.
select 1;
