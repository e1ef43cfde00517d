-- Debits of one busy wallet wait in a queue instead of on the wallet row (issue #2, npm run bench:wallet).
--
-- Debits of one wallet are serialized by its row lock, and each must hand it to the next. When
-- several wait on the row itself, every hand-over is the slow path of a row-lock conflict: the
-- waiter takes the tuple lock, sleeps on the holder's transaction, wakes when it commits,
-- re-reads the newer row version and re-checks the WHERE clause (EvalPlanQual), and the next
-- waiter goes through the same on it. Measured on one wallet with 8 connections, that costs
-- about a third of a debit's CPU.
--
-- So wallet_debit first takes a transaction-scoped advisory lock named for the organization
-- (the same form as webhook_endpoints and automation_rules use), and only then updates the
-- wallet. Waiters sleep on that lock and, once they hold it, find the row free: one ordinary
-- lock wait per hand-over and no re-check. The row lock still does the real work: functions that
-- do not take the queue (credits, refunds, the batched send debit) are serialized with debits by
-- the row exactly as before. No deadlock is added: the queue lock is taken only immediately
-- before that organization's row update, and no holder of the row waits on the queue.
-- A hash collision between two organizations only makes them share a queue.

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
