-- The send pipeline charges a whole batch with one short hold of the wallet row (issues #3, #6).
--
-- private.send_prepare charged each message with private.wallet_debit and then wrote the message
-- row. Batched (one statement per event-loop turn, lib/messaging/send.ts), the first debit of a
-- batch locked the organization's wallet row and everything after it — 63 more debits, ledger
-- rows, contact rows, message rows with their indexes and triggers — ran under that lock. Every
-- send of one organization was therefore serialized on all of that work: a single busy tenant
-- (a 100,000-recipient campaign, an API client sending fast) could not go past ~1/(cost of a whole
-- send) per second, whatever the hardware, and the wait showed up as Lock:transactionid.
--
-- private.send_prepare_batch does the same checks and writes in two phases:
--   A. per message, no wallet lock: the checks (private.send_check), then affordability against a
--      plain read of the balance (a running total per organization across the batch), then the
--      contact and the `pending` message row (private.send_record).
--   B. per organization, in uuid order (so concurrent batches never wait on each other in a
--      cycle): ONE conditional UPDATE of the wallet for the batch's total, the ledger rows (ids
--      and balance_after taken under the lock, so the ledger stays a serial history; each names
--      its message), and at most one low-balance notice.
-- Only B holds the lock, until commit.
--
-- If the wallet no longer covers the total when B takes the lock (a concurrent debit between the
-- read and the update), the statement raises 40001 and rolls back entirely: nothing charged,
-- nothing written. The caller retries the messages one at a time, each read again.
--
-- Lock order is contacts (A) then wallet (B) for every send, single or batched.

-- Checks one outbound message: organization active, channel of this organization and connected, no
-- duplicate (idempotency key or a second reply to one inbound message: answered with the first),
-- reply target in this organization, contact not opted out, 24-hour window for non-template types.
-- outcome 'ok' when it may be charged; fee_paise, channel_*, contact_id (null if none yet) filled.
create function private.send_check(
  p_org uuid,
  p_channel uuid,
  p_wa_id text,
  p_type text,
  p_idempotency_key text,
  p_request_hash text,
  p_reply_to uuid
) returns private.send_prepared
language plpgsql set search_path = '' as $$
declare
  r private.send_prepared;
  v_org_status text;
  v_fee bigint;
  v_ch record;
  v_existing public.messages;
  v_opted_out boolean;
  v_last_inbound timestamptz;
begin
  select o.status, o.service_fee_paise into v_org_status, v_fee from public.organizations o where o.id = p_org;
  if not found then
    r.outcome := 'org_not_found';
    return r;
  end if;
  r.fee_paise := v_fee;
  if v_org_status <> 'active' then
    r.outcome := 'org_suspended';
    return r;
  end if;

  if p_idempotency_key is not null then
    select m.* into v_existing from public.messages m where m.org_id = p_org and m.idempotency_key = p_idempotency_key;
  end if;
  if v_existing.id is null and p_reply_to is not null then
    select m.* into v_existing from public.messages m where m.reply_to_message_id = p_reply_to;
  end if;
  if v_existing.id is not null then
    r.message_id := v_existing.id;
    if p_idempotency_key is not null and v_existing.idempotency_key = p_idempotency_key
       and v_existing.request_hash is distinct from p_request_hash then
      r.outcome := 'idempotency_conflict';
      return r;
    end if;
    r.outcome := 'duplicate';
    r.message_status := v_existing.status;
    r.wamid := v_existing.wamid;
    r.fee_paise := v_existing.fee_paise;
    r.channel_id := v_existing.channel_id;
    r.contact_id := v_existing.contact_id;
    r.error_code := v_existing.error_code;
    r.error_title := v_existing.error_title;
    r.refunded := v_existing.refunded;
    select t.balance_after_paise into r.balance_paise from public.wallet_transactions t where t.reference = 'msg:' || v_existing.id::text;
    if r.balance_paise is null then
      select w.balance_paise into r.balance_paise from public.wallets w where w.org_id = p_org;
    end if;
    return r;
  end if;

  if p_reply_to is not null and not exists (
    select 1 from public.messages m where m.id = p_reply_to and m.org_id = p_org
  ) then
    r.outcome := 'reply_to_not_found';
    return r;
  end if;

  if p_channel is not null then
    select c.id, c.status, c.phone_number_id, c.access_token_encrypted into v_ch
      from public.channels c where c.id = p_channel and c.org_id = p_org;
    if not found then
      r.outcome := 'channel_not_found';
      return r;
    end if;
  else
    select c.id, c.status, c.phone_number_id, c.access_token_encrypted into v_ch
      from public.channels c where c.org_id = p_org and c.is_default;
    if not found then
      r.outcome := 'no_channel';
      return r;
    end if;
  end if;
  r.channel_id := v_ch.id;
  r.channel_status := v_ch.status;
  r.phone_number_id := v_ch.phone_number_id;
  if v_ch.status <> 'connected' or v_ch.access_token_encrypted is null then
    r.outcome := 'channel_not_connected';
    return r;
  end if;

  select c.id, c.opted_out, c.last_inbound_at into r.contact_id, v_opted_out, v_last_inbound
    from public.contacts c where c.org_id = p_org and c.wa_id = p_wa_id;
  if coalesce(v_opted_out, false) then
    r.outcome := 'opted_out';
    return r;
  end if;
  if p_type <> 'template' and (v_last_inbound is null or v_last_inbound < now() - interval '24 hours') then
    r.outcome := 'window_closed';
    return r;
  end if;

  r.outcome := 'ok';
  r.access_token_encrypted := v_ch.access_token_encrypted;
  return r;
end
$$;

-- Writes a checked message: its contact when it has none yet (only a message that goes out creates
-- one), then the `pending` row, already claimed for attempt 1 (if the process dies from here on,
-- the Graph call may have happened, and the worker refunds rather than risk a second delivery).
-- Its debit (phase B) names it: wallet_transactions.message_id, reference msg:<id>. Returns the contact id.
create function private.send_record(
  p_id uuid,
  p_org uuid,
  p_channel uuid,
  p_contact uuid,
  p_wa_id text,
  p_phone_e164 text,
  p_type text,
  p_text text,
  p_content jsonb,
  p_fee bigint,
  p_idempotency_key text,
  p_request_hash text,
  p_reply_to uuid,
  p_source text,
  p_grace_seconds integer
) returns uuid
language plpgsql set search_path = '' as $$
declare
  v_contact uuid := p_contact;
begin
  if v_contact is null then
    insert into public.contacts (org_id, wa_id, phone_e164) values (p_org, p_wa_id, p_phone_e164)
      on conflict (org_id, wa_id) do nothing
      returning id into v_contact;
    if v_contact is null then
      select c.id into v_contact from public.contacts c where c.org_id = p_org and c.wa_id = p_wa_id;
    end if;
  end if;
  insert into public.messages (
    id, org_id, channel_id, contact_id, direction, type, status, text, content, fee_paise,
    idempotency_key, request_hash, reply_to_message_id, source,
    attempts, attempt_started_at, next_attempt_at
  ) values (
    p_id, p_org, p_channel, v_contact, 'outbound', p_type, 'pending', p_text, p_content, p_fee,
    p_idempotency_key, p_request_hash, p_reply_to, p_source,
    1, now(), now() + make_interval(secs => p_grace_seconds)
  );
  return v_contact;
end
$$;

create function private.send_prepare_batch(
  p_org uuid[],
  p_channel uuid[],
  p_wa_id text[],
  p_phone_e164 text[],
  p_type text[],
  p_text text[],
  p_content jsonb[],
  p_idempotency_key text[],
  p_request_hash text[],
  p_reply_to uuid[],
  p_source text[],
  p_grace_seconds integer[]
) returns table (o_ord integer, o_result private.send_prepared)
language plpgsql set search_path = '' as $$
declare
  n integer := coalesce(array_length(p_org, 1), 0);
  res private.send_prepared[] := array[]::private.send_prepared[];
  r private.send_prepared;
  -- Per organization met in this batch: the balance still available to it (null: no wallet).
  v_orgs uuid[] := array[]::uuid[];
  v_avail bigint[] := array[]::bigint[];
  k integer;
  v_org uuid;
  v_total bigint;
  v_balance bigint;
  v_threshold bigint;
  v_running bigint;
  v_fees bigint[];
  v_afters bigint[];
  v_ids uuid[];
  v_cross uuid;
  v_cross_balance bigint;
  v_tx bigint;
begin
  -- Phase A: checks and rows, no wallet lock.
  for i in 1 .. n loop
    r := private.send_check(p_org[i], p_channel[i], p_wa_id[i], p_type[i], p_idempotency_key[i], p_request_hash[i], p_reply_to[i]);
    if r.outcome = 'ok' then
      k := array_position(v_orgs, p_org[i]);
      if k is null then
        v_orgs := v_orgs || p_org[i];
        v_avail := v_avail || (select w.balance_paise from public.wallets w where w.org_id = p_org[i]);
        k := cardinality(v_orgs);
      end if;
      if r.fee_paise > 0 and coalesce(v_avail[k], -1) < r.fee_paise then
        r.outcome := 'insufficient_funds';
        r.balance_paise := coalesce(v_avail[k], 0);
        r.access_token_encrypted := null;
      else
        if r.fee_paise > 0 then
          v_avail[k] := v_avail[k] - r.fee_paise;
        end if;
        r.message_id := gen_random_uuid();
        r.contact_id := private.send_record(
          r.message_id, p_org[i], r.channel_id, r.contact_id, p_wa_id[i], p_phone_e164[i], p_type[i], p_text[i],
          p_content[i], r.fee_paise, p_idempotency_key[i], p_request_hash[i], p_reply_to[i], p_source[i], p_grace_seconds[i]);
        r.outcome := 'charged';
        r.message_status := 'pending';
        r.refunded := false;
        r.balance_paise := v_avail[k];
      end if;
    end if;
    res := res || r;
  end loop;

  -- Phase B: per organization, in uuid order, one debit of the batch's total under the wallet lock.
  for v_org in select distinct x from unnest(v_orgs) x order by x loop
    v_fees := array[]::bigint[];
    v_ids := array[]::uuid[];
    for i in 1 .. n loop
      if p_org[i] = v_org and (res[i]).outcome = 'charged' and (res[i]).fee_paise > 0 then
        v_fees := v_fees || (res[i]).fee_paise;
        v_ids := v_ids || (res[i]).message_id;
      end if;
    end loop;
    if cardinality(v_ids) = 0 then
      continue;
    end if;
    select sum(f) into v_total from unnest(v_fees) f;
    select o.low_balance_threshold_paise into v_threshold from public.organizations o where o.id = v_org;

    update public.wallets w set balance_paise = w.balance_paise - v_total, updated_at = now()
      where w.org_id = v_org and w.balance_paise >= v_total
      returning w.balance_paise into v_balance;
    if not found then
      raise exception 'the wallet balance changed while this batch of sends was prepared; retry them one by one'
        using errcode = '40001';
    end if;

    -- Balance after each debit, in batch order: the first one leaves the most.
    v_afters := array[]::bigint[];
    v_running := v_balance + v_total;
    v_cross := null;
    for j in 1 .. cardinality(v_fees) loop
      v_running := v_running - v_fees[j];
      v_afters := v_afters || v_running;
      if v_cross is null and v_running < v_threshold and v_running + v_fees[j] >= v_threshold then
        v_cross := v_ids[j];
        v_cross_balance := v_running;
      end if;
    end loop;

    -- References are msg:<fresh uuid>, so no earlier debit can have them (the unique index still guards).
    with ins as (
      insert into public.wallet_transactions (org_id, kind, amount_paise, balance_after_paise, reference, description, message_id)
      select v_org, 'debit', -x.fee, x.after, 'msg:' || x.mid::text, 'Message fee', x.mid
        from unnest(v_fees, v_afters, v_ids) with ordinality as x(fee, after, mid, ord)
       order by x.ord
      returning id, message_id
    )
    select ins.id into v_tx from ins where ins.message_id = v_cross;

    if v_cross is not null then
      -- This batch crossed the threshold: one notice per crossing, not one per message.
      insert into public.notifications (org_id, kind, title, body, data)
        values (v_org, 'low_balance', 'Wallet balance is low',
                'The wallet balance fell below the low-balance threshold. Recharge to keep sending.',
                jsonb_build_object('balance_paise', v_cross_balance, 'threshold_paise', v_threshold, 'transaction_id', v_tx));
    end if;

    for i in 1 .. n loop
      if p_org[i] = v_org and (res[i]).outcome = 'charged' and (res[i]).fee_paise > 0 then
        res[i].balance_paise := v_afters[array_position(v_ids, (res[i]).message_id)];
      end if;
    end loop;
  end loop;

  -- Organizations with a zero fee: the balance as it stands.
  for i in 1 .. n loop
    if (res[i]).outcome = 'charged' and coalesce((res[i]).fee_paise, 0) = 0 then
      res[i].balance_paise := (select w.balance_paise from public.wallets w where w.org_id = p_org[i]);
    end if;
  end loop;

  for i in 1 .. n loop
    o_ord := i;
    o_result := res[i];
    return next;
  end loop;
end
$$;

-- A message and its debit are tied by the ledger row (message_id, and reference msg:<message id>,
-- unique). messages.debit_transaction_id repeated that link from the other side; keeping it meant
-- an UPDATE of every message row after its debit (a second row version, all eight indexes: a
-- message row has no room for a HOT update on its page) under the wallet lock. It goes; the one
-- function that read it (send_fail) now refunds by reference, which answers not_found (nothing to
-- refund) for a message that was never charged, exactly as the null check did.
alter table public.messages drop column debit_transaction_id;

create or replace function private.send_fail(p_message uuid, p_code integer, p_title text, p_refund boolean)
returns table (applied boolean, refunded boolean, balance_paise bigint)
language plpgsql set search_path = '' as $$
declare
  v_msg record;
  v_refund private.wallet_result;
  v_refunded boolean := false;
begin
  select m.id, m.org_id into v_msg
    from public.messages m where m.id = p_message and m.status = 'pending' for update;
  if not found then
    return query select false, coalesce((select m.refunded from public.messages m where m.id = p_message), false),
      (select w.balance_paise from public.wallets w join public.messages m on m.org_id = w.org_id where m.id = p_message);
    return;
  end if;
  if p_refund then
    v_refund := private.wallet_refund('msg:' || p_message::text, null, 'Refund: message not sent');
    v_refunded := v_refund.ok;
  end if;
  update public.messages m set status = 'failed', failed_at = now(), error_code = p_code, error_title = p_title,
    refunded = v_refunded, attempt_started_at = null, next_attempt_at = null, updated_at = now()
    where m.id = p_message;
  return query select true, v_refunded, (select w.balance_paise from public.wallets w where w.org_id = v_msg.org_id);
end
$$;

-- The single-message function is replaced by the batch function (a batch of one).
drop function private.send_prepare(uuid, uuid, text, text, text, text, jsonb, text, text, uuid, text, integer);

revoke all on function private.send_check(uuid, uuid, text, text, text, text, uuid) from public, anon, authenticated;
revoke all on function private.send_record(uuid, uuid, uuid, uuid, text, text, text, text, jsonb, bigint, text, text, uuid, text, integer) from public, anon, authenticated;
revoke all on function private.send_prepare_batch(uuid[], uuid[], text[], text[], text[], text[], jsonb[], text[], text[], uuid[], text[], integer[]) from public, anon, authenticated;
grant execute on function private.send_check(uuid, uuid, text, text, text, text, uuid) to service_role;
grant execute on function private.send_record(uuid, uuid, uuid, uuid, text, text, text, text, jsonb, bigint, text, text, uuid, text, integer) to service_role;
grant execute on function private.send_prepare_batch(uuid[], uuid[], text[], text[], text[], text[], jsonb[], text[], text[], uuid[], text[], integer[]) to service_role;
