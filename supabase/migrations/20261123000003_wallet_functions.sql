-- Wallet mutations. Every change to a balance goes through one of these functions, each of which
-- locks the wallet row with a single conditional UPDATE, writes exactly one ledger row carrying
-- balance_after, and is idempotent by its unique reference. They are security invoker and
-- executable only by service_role: tenants never move money themselves.

-- Result of every wallet function.
create type private.wallet_result as (
  ok boolean,
  status text,              -- 'applied' | 'duplicate' | 'insufficient_funds' | 'no_wallet' | 'not_found' | 'invalid'
  transaction_id bigint,
  balance_paise bigint,
  crossed_low_balance boolean
);

-- Debit: refuses (status insufficient_funds) rather than going negative. One round trip, one short lock.
create function private.wallet_debit(
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
  insert into public.wallet_transactions (org_id, kind, amount_paise, balance_after_paise, reference, description, message_id)
    values (p_org, 'debit', -p_amount, v_balance, p_reference, p_description, p_message_id)
    on conflict (reference) do nothing
    returning id into v_id;
  if v_id is null then
    -- The same reference was debited already (a retry): give the money back; we still hold the row lock.
    update public.wallets w set balance_paise = w.balance_paise + p_amount where w.org_id = p_org;
    select * into v_existing from public.wallet_transactions t where t.reference = p_reference;
    return (true, 'duplicate', v_existing.id, v_existing.balance_after_paise, false)::private.wallet_result;
  end if;
  select o.low_balance_threshold_paise into v_threshold from public.organizations o where o.id = p_org;
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

-- Credit (kind 'credit' for payments, 'adjustment' for operator corrections, which may be negative).
create function private.wallet_credit(
  p_org uuid, p_amount bigint, p_reference text, p_kind text default 'credit', p_description text default null,
  p_payment_id uuid default null, p_created_by uuid default null
) returns private.wallet_result
language plpgsql set search_path = '' as $$
declare
  v_balance bigint;
  v_id bigint;
  v_existing public.wallet_transactions;
  v_threshold bigint;
begin
  if p_amount is null or p_amount = 0 or p_kind not in ('credit', 'adjustment')
     or (p_kind = 'credit' and p_amount < 0) then
    return (false, 'invalid', null, null, false)::private.wallet_result;
  end if;
  select * into v_existing from public.wallet_transactions t where t.reference = p_reference;
  if found then
    return (true, 'duplicate', v_existing.id, v_existing.balance_after_paise, false)::private.wallet_result;
  end if;
  update public.wallets w set balance_paise = w.balance_paise + p_amount, updated_at = now()
    where w.org_id = p_org and w.balance_paise + p_amount >= 0
    returning w.balance_paise into v_balance;
  if not found then
    select w.balance_paise into v_balance from public.wallets w where w.org_id = p_org;
    if not found then
      return (false, 'no_wallet', null, null, false)::private.wallet_result;
    end if;
    return (false, 'insufficient_funds', null, v_balance, false)::private.wallet_result;
  end if;
  insert into public.wallet_transactions (org_id, kind, amount_paise, balance_after_paise, reference, description, payment_id, created_by)
    values (p_org, p_kind, p_amount, v_balance, p_reference, p_description, p_payment_id, p_created_by)
    on conflict (reference) do nothing
    returning id into v_id;
  if v_id is null then
    update public.wallets w set balance_paise = w.balance_paise - p_amount where w.org_id = p_org;
    select * into v_existing from public.wallet_transactions t where t.reference = p_reference;
    return (true, 'duplicate', v_existing.id, v_existing.balance_after_paise, false)::private.wallet_result;
  end if;
  select o.low_balance_threshold_paise into v_threshold from public.organizations o where o.id = p_org;
  return (true, 'applied', v_id, v_balance,
          p_amount < 0 and v_balance < v_threshold and v_balance - p_amount >= v_threshold)::private.wallet_result;
end
$$;

-- Refund a debit, by the debit's reference: at most once (a unique index on the debit id), and
-- never more than the debit. p_amount null refunds the whole debit.
create function private.wallet_refund(
  p_debit_reference text, p_amount bigint default null, p_description text default null
) returns private.wallet_result
language plpgsql set search_path = '' as $$
declare
  v_debit public.wallet_transactions;
  v_amount bigint;
  v_balance bigint;
  v_id bigint;
  v_existing public.wallet_transactions;
begin
  select * into v_debit from public.wallet_transactions t where t.reference = p_debit_reference and t.kind = 'debit';
  if not found then
    return (false, 'not_found', null, null, false)::private.wallet_result;
  end if;
  v_amount := coalesce(p_amount, -v_debit.amount_paise);
  if v_amount <= 0 or v_amount > -v_debit.amount_paise then
    return (false, 'invalid', null, null, false)::private.wallet_result;
  end if;
  select * into v_existing from public.wallet_transactions t where t.related_transaction_id = v_debit.id and t.kind = 'refund';
  if found then
    return (true, 'duplicate', v_existing.id, v_existing.balance_after_paise, false)::private.wallet_result;
  end if;
  update public.wallets w set balance_paise = w.balance_paise + v_amount, updated_at = now()
    where w.org_id = v_debit.org_id
    returning w.balance_paise into v_balance;
  insert into public.wallet_transactions (org_id, kind, amount_paise, balance_after_paise, reference, related_transaction_id, description, message_id)
    values (v_debit.org_id, 'refund', v_amount, v_balance, 'refund:' || p_debit_reference, v_debit.id,
            coalesce(p_description, 'Refund of ' || p_debit_reference), v_debit.message_id)
    on conflict do nothing
    returning id into v_id;
  if v_id is null then
    update public.wallets w set balance_paise = w.balance_paise - v_amount where w.org_id = v_debit.org_id;
    select * into v_existing from public.wallet_transactions t where t.related_transaction_id = v_debit.id and t.kind = 'refund';
    return (true, 'duplicate', v_existing.id, v_existing.balance_after_paise, false)::private.wallet_result;
  end if;
  return (true, 'applied', v_id, v_balance, false)::private.wallet_result;
end
$$;

revoke all on function private.wallet_debit(uuid, bigint, text, text, uuid) from public, anon, authenticated;
revoke all on function private.wallet_credit(uuid, bigint, text, text, text, uuid, uuid) from public, anon, authenticated;
revoke all on function private.wallet_refund(text, bigint, text) from public, anon, authenticated;
grant execute on function private.wallet_debit(uuid, bigint, text, text, uuid) to service_role;
grant execute on function private.wallet_credit(uuid, bigint, text, text, text, uuid, uuid) to service_role;
grant execute on function private.wallet_refund(text, bigint, text) to service_role;
