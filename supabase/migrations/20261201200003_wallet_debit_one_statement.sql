-- wallet_debit in fewer statements (issue #2, npm run bench:wallet).
--
-- Since debits release the wallet before their disk flush (20261201200002), a busy wallet is
-- limited by the CPU a debit takes, and in plpgsql each statement has its own fixed cost (plan
-- lookup, snapshot, executor start and end). The conditional UPDATE, the probe for the reference
-- and the ledger INSERT are now one statement: the INSERT takes the new balance from the UPDATE and
-- is skipped when the reference is already in the ledger. Measured with pgbench, one connection,
-- without the flush: 0.48 -> 0.42-0.47 ms per call.
--
-- The rules are unchanged. The statement runs after the organization's debit queue lock
-- (pg_advisory_xact_lock), so its snapshot, taken after that lock was granted, sees every debit
-- of this organization that committed before it; the unique index on reference still refuses a
-- duplicate outright. When the UPDATE charged and the INSERT was skipped, the reference was a
-- repeat: the money goes back while we still hold the row, and the answer is 'duplicate', as before.

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
  perform pg_advisory_xact_lock(hashtextextended('wallet:' || p_org::text, 0));
  with w as (
    update public.wallets w set balance_paise = w.balance_paise - p_amount, updated_at = now()
      where w.org_id = p_org and w.balance_paise >= p_amount
      returning w.balance_paise
  ), ins as (
    insert into public.wallet_transactions (org_id, kind, amount_paise, balance_after_paise, reference, description, message_id)
      select p_org, 'debit', -p_amount, w.balance_paise, p_reference, p_description, p_message_id from w
      where not exists (select 1 from public.wallet_transactions t where t.reference = p_reference)
      returning id
  )
  select (select w.balance_paise from w), (select ins.id from ins) into v_balance, v_id;
  if v_id is not null then
    if v_balance < v_threshold and v_balance + p_amount >= v_threshold then
      -- This debit crossed the threshold: one notice per crossing, not one per message.
      insert into public.notifications (org_id, kind, title, body, data)
        values (p_org, 'low_balance', 'Wallet balance is low',
                'The wallet balance fell below the low-balance threshold. Recharge to keep sending.',
                jsonb_build_object('balance_paise', v_balance, 'threshold_paise', v_threshold, 'transaction_id', v_id));
      return (true, 'applied', v_id, v_balance, true)::private.wallet_result;
    end if;
    return (true, 'applied', v_id, v_balance, false)::private.wallet_result;
  end if;
  -- Nothing written to the ledger: a repeated reference, a short balance or no wallet.
  select * into v_existing from public.wallet_transactions t where t.reference = p_reference;
  if found then
    if v_balance is not null then
      -- The UPDATE charged a repeat: give the money back; we still hold the row lock.
      update public.wallets w set balance_paise = w.balance_paise + p_amount where w.org_id = p_org;
    end if;
    return (true, 'duplicate', v_existing.id, v_existing.balance_after_paise, false)::private.wallet_result;
  end if;
  select w.balance_paise into v_balance from public.wallets w where w.org_id = p_org;
  if not found then
    return (false, 'no_wallet', null, null, false)::private.wallet_result;
  end if;
  return (false, 'insufficient_funds', null, v_balance, false)::private.wallet_result;
end
$$;
revoke all on function private.wallet_debit(uuid, bigint, text, text, uuid) from public, anon, authenticated;
grant execute on function private.wallet_debit(uuid, bigint, text, text, uuid) to service_role;
