-- Razorpay recharges: refunds of a recharge as their own ledger kind, reconciliation bookkeeping,
-- and the indexes the payment and low-balance email sweeps use.

-- A refund of a recharge (processed by Razorpay) takes the recharged money back out of the wallet.
-- It is its own kind, 'payment_refund' (always negative), distinct from 'refund' (a message fee given
-- back, always positive). The other rules of the ledger stay as they were.
alter table public.wallet_transactions drop constraint wallet_transactions_kind_check;
alter table public.wallet_transactions add constraint wallet_transactions_kind_check
  check (kind in ('credit', 'debit', 'refund', 'adjustment', 'payment_refund'));
alter table public.wallet_transactions drop constraint wallet_transactions_check;
alter table public.wallet_transactions add constraint wallet_transactions_check
  check ((kind in ('debit', 'payment_refund') and amount_paise < 0)
         or (kind in ('credit', 'refund') and amount_paise > 0)
         or kind = 'adjustment');
create index wallet_transactions_payment_idx on public.wallet_transactions (payment_id) where payment_id is not null;

-- When the reconciliation sweep last asked Razorpay about a still-unpaid order.
alter table public.payments add column checked_at timestamptz;
create index payments_unsettled_idx on public.payments (created_at) where status in ('created', 'failed');

-- The low-balance email sweep: what it still has to send, and how often it tried.
alter table public.notifications add column email_attempts integer not null default 0;
alter table public.notifications add column email_error text;
create index notifications_unemailed_idx on public.notifications (id) where emailed_at is null;

-- Debit back a refunded recharge: at most once per Razorpay refund id (the reference), never more
-- in total than the recharge credited for that payment, and never below zero (status
-- insufficient_funds, nothing written). The wallet row is locked first, so concurrent refunds of
-- one organization serialise and the "not more than credited" check cannot race.
create function private.wallet_payment_refund(
  p_org uuid, p_amount bigint, p_reference text, p_payment_id uuid, p_description text default null
) returns private.wallet_result
language plpgsql set search_path = '' as $$
declare
  v_balance bigint;
  v_credited bigint;
  v_refunded bigint;
  v_id bigint;
  v_existing public.wallet_transactions;
  v_threshold bigint;
begin
  if p_amount is null or p_amount <= 0 or p_payment_id is null then
    return (false, 'invalid', null, null, false)::private.wallet_result;
  end if;
  select w.balance_paise into v_balance from public.wallets w where w.org_id = p_org for update;
  if not found then
    return (false, 'no_wallet', null, null, false)::private.wallet_result;
  end if;
  select * into v_existing from public.wallet_transactions t where t.reference = p_reference;
  if found then
    return (true, 'duplicate', v_existing.id, v_existing.balance_after_paise, false)::private.wallet_result;
  end if;
  select coalesce(sum(t.amount_paise) filter (where t.kind = 'credit'), 0),
         coalesce(-sum(t.amount_paise) filter (where t.kind = 'payment_refund'), 0)
    into v_credited, v_refunded
    from public.wallet_transactions t where t.org_id = p_org and t.payment_id = p_payment_id;
  if v_credited = 0 then
    return (false, 'not_found', null, v_balance, false)::private.wallet_result;
  end if;
  if v_refunded + p_amount > v_credited then
    return (false, 'invalid', null, v_balance, false)::private.wallet_result;
  end if;
  if v_balance < p_amount then
    return (false, 'insufficient_funds', null, v_balance, false)::private.wallet_result;
  end if;
  update public.wallets w set balance_paise = w.balance_paise - p_amount, updated_at = now()
    where w.org_id = p_org returning w.balance_paise into v_balance;
  insert into public.wallet_transactions (org_id, kind, amount_paise, balance_after_paise, reference, description, payment_id)
    values (p_org, 'payment_refund', -p_amount, v_balance, p_reference, p_description, p_payment_id)
    returning id into v_id;
  select o.low_balance_threshold_paise into v_threshold from public.organizations o where o.id = p_org;
  if v_balance < v_threshold and v_balance + p_amount >= v_threshold then
    -- Same rule as wallet_debit: one low-balance notice per crossing.
    insert into public.notifications (org_id, kind, title, body, data)
      values (p_org, 'low_balance', 'Wallet balance is low',
              'The wallet balance fell below the low-balance threshold. Recharge to keep sending.',
              jsonb_build_object('balance_paise', v_balance, 'threshold_paise', v_threshold, 'transaction_id', v_id));
    return (true, 'applied', v_id, v_balance, true)::private.wallet_result;
  end if;
  return (true, 'applied', v_id, v_balance, false)::private.wallet_result;
end
$$;

revoke all on function private.wallet_payment_refund(uuid, bigint, text, uuid, text) from public, anon, authenticated;
grant execute on function private.wallet_payment_refund(uuid, bigint, text, uuid, text) to service_role;
