-- Channel access tokens (encrypted) are for server code only: tenants may read every channel column
-- except the token, also through Supabase's own Data API, where RLS alone would let them see it.
revoke select on public.channels from authenticated;
grant select (id, org_id, mode, phone_number_id, waba_id, display_phone_number, verified_name, status, is_default,
  throughput_mps, messaging_limit_tier, created_at, updated_at) on public.channels to authenticated;
