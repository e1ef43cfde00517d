-- Per-API-key rate limit override for the public API (/api/v1). NULL means the server default
-- (API_RATE_LIMIT_PER_SECOND). Enforced in process by lib/apikeys/rate-limit.ts (token bucket),
-- read with the key itself so it costs no extra query. Set by the operator CLI
-- (`npm run platform -- set-rate-limit --key-id <uuid> --per-second <n>`); tenants cannot change it
-- (authenticated has no update grant on api_keys).
alter table public.api_keys
  add column rate_limit_per_second integer
    constraint api_keys_rate_limit_range check (rate_limit_per_second is null or rate_limit_per_second between 1 and 100000);
