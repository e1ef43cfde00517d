-- The ledger's append-only trigger fires on UPDATE and DELETE, but TRUNCATE is a separate event:
-- service_role (granted ALL) and the owner could still empty wallet_transactions (with CASCADE,
-- as messages reference it), breaking "balance = sum of the ledger". Close both doors: no API
-- role holds TRUNCATE on the money tables, and a statement trigger refuses it for every role.

revoke truncate on public.wallet_transactions from public, anon, authenticated, service_role;
revoke truncate on public.wallets from public, anon, authenticated, service_role;

create trigger wallet_transactions_no_truncate before truncate on public.wallet_transactions
  for each statement execute function private.forbid_ledger_change();
