-- An operator's negative adjustment that takes the balance under the threshold records the same
-- one low-balance notice as a debit does (found by the property tests: it reported the crossing
-- but recorded nothing). Same signature, result and behaviour otherwise.
-- Credit (kind 'credit' for payments, 'adjustment' for operator corrections, which may be negative).
create or replace function private.wallet_credit(
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
  if p_amount < 0 and v_balance < v_threshold and v_balance - p_amount >= v_threshold then
    -- A negative adjustment crossed the threshold: the same single notice a debit would record.
    insert into public.notifications (org_id, kind, title, body, data)
      values (p_org, 'low_balance', 'Wallet balance is low',
              'The wallet balance fell below the low-balance threshold. Recharge to keep sending.',
              jsonb_build_object('balance_paise', v_balance, 'threshold_paise', v_threshold, 'transaction_id', v_id));
    return (true, 'applied', v_id, v_balance, true)::private.wallet_result;
  end if;
  return (true, 'applied', v_id, v_balance, false)::private.wallet_result;
end
$$;

