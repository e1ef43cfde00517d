-- Cheaper debits on a hot wallet (issue #2, npm run bench:wallet).
--
-- Debits on one wallet are serialized by its row lock, held from the conditional UPDATE until
-- commit, so what limits a busy wallet is the work done while that lock is held. Two pieces of
-- that work bought nothing:
--
-- 1. The foreign key wallet_transactions.org_id -> organizations. Its check runs a
--    SELECT ... FOR KEY SHARE on the organization's row for every ledger insert (an RI trigger,
--    a tuple lock and a WAL record per debit, all under the wallet lock). Every ledger row is
--    written by a wallet function right after it updated that organization's wallet row, and
--    wallets.org_id references organizations (on delete cascade), so the organization exists and
--    cannot go away before commit. The other thing the key gave — an organization with ledger
--    rows cannot be deleted (the cascade hit the append-only trigger) — is kept by a BEFORE
--    DELETE trigger on organizations (an index probe on wallet_transactions_org_created_idx).
-- 2. The low-balance threshold read (organizations) moves before the UPDATE, out of the locked
--    part; the ledger insert becomes a plain INSERT after an index probe for the reference
--    (instead of ON CONFLICT DO NOTHING's speculative insertion). Under the wallet lock a retry
--    of the same reference for this organization has either committed (the probe sees it: the
--    money goes back and the answer is 'duplicate', as before) or waits behind us. The unique
--    index on reference still refuses a duplicate outright.
--
-- Durability is unchanged (synchronous_commit stays on; nothing here is deferred).

alter table public.wallet_transactions drop constraint wallet_transactions_org_id_fkey;

create function private.keep_ledger_of_org() returns trigger language plpgsql set search_path = '' as $$
begin
  if exists (select 1 from public.wallet_transactions t where t.org_id = old.id) then
    raise exception 'wallet_transactions is append-only: organization % has ledger entries and cannot be deleted', old.id
      using errcode = 'restrict_violation';
  end if;
  return old;
end
$$;
revoke all on function private.keep_ledger_of_org() from public, anon, authenticated;
create trigger organizations_keep_ledger before delete on public.organizations
  for each row execute function private.keep_ledger_of_org();

create or replace function private.wallet_debit(
  p_org uuid, p_amount bigint, p_reference text, p_description text default null, p_message_id uuid default null
) returns private.wallet_result
language plpgsql set search_path = '' as $$
declare
  v_balance bigint;
  v_threshold bigint;
  v_id bigint;
  v_existing public.wallet_transactions;
begin
  if p_amount is null or p_amount <= 0 then
    return (false, 'invalid', null, null, false)::private.wallet_result;
  end if;
  -- Read before the lock: only the crossing check below uses it.
  select o.low_balance_threshold_paise into v_threshold from public.organizations o where o.id = p_org;
  update public.wallets w set balance_paise = w.balance_paise - p_amount, updated_at = now()
    where w.org_id = p_org and w.balance_paise >= p_amount
    returning w.balance_paise into v_balance;
  if not found then
    select * into v_existing from public.wallet_transactions t where t.reference = p_reference;
    if found then
      return (true, 'duplicate', v_existing.id, v_existing.balance_after_paise, false)::private.wallet_result;
    end if;
    select w.balance_paise into v_balance from public.wallets w where w.org_id = p_org;
    if not found then
      return (false, 'no_wallet', null, null, false)::private.wallet_result;
    end if;
    return (false, 'insufficient_funds', null, v_balance, false)::private.wallet_result;
  end if;
  select * into v_existing from public.wallet_transactions t where t.reference = p_reference;
  if found then
    -- The same reference was debited already (a retry): give the money back; we still hold the row lock.
    update public.wallets w set balance_paise = w.balance_paise + p_amount where w.org_id = p_org;
    return (true, 'duplicate', v_existing.id, v_existing.balance_after_paise, false)::private.wallet_result;
  end if;
  insert into public.wallet_transactions (org_id, kind, amount_paise, balance_after_paise, reference, description, message_id)
    values (p_org, 'debit', -p_amount, v_balance, p_reference, p_description, p_message_id)
    returning id into v_id;
  if v_balance < v_threshold and v_balance + p_amount >= v_threshold then
    -- This debit crossed the threshold: one notice per crossing, not one per message.
    insert into public.notifications (org_id, kind, title, body, data)
      values (p_org, 'low_balance', 'Wallet balance is low',
              'The wallet balance fell below the low-balance threshold. Recharge to keep sending.',
              jsonb_build_object('balance_paise', v_balance, 'threshold_paise', v_threshold, 'transaction_id', v_id));
    return (true, 'applied', v_id, v_balance, true)::private.wallet_result;
  end if;
  return (true, 'applied', v_id, v_balance, false)::private.wallet_result;
end
$$;
revoke all on function private.wallet_debit(uuid, bigint, text, text, uuid) from public, anon, authenticated;
grant execute on function private.wallet_debit(uuid, bigint, text, text, uuid) to service_role;

-- 3. The ledger's (org_id, created_at, id) index was DESC: every new row of an organization went
--    to the far left of its range (a tree descent and a 50/50 page split each time a leaf fills).
--    Ascending, new rows go to the right edge, where nbtree packs leaves full; backward scans serve
--    "newest first" (order by created_at desc, id desc) exactly as before.
create index wallet_transactions_org_created_asc_idx on public.wallet_transactions (org_id, created_at, id);
drop index public.wallet_transactions_org_created_idx;
alter index public.wallet_transactions_org_created_asc_idx rename to wallet_transactions_org_created_idx;
