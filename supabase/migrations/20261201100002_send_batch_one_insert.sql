-- The batched send writes its message rows in one INSERT and joins the wallet's debit queue
-- (issue #3, npm run bench:send).
--
-- 1. One INSERT for the batch's messages. Phase A of private.send_prepare_batch called
--    private.send_record once per message, an INSERT of one row each time. Every execution of an
--    INSERT into messages pays its fixed cost again: executor start-up, the table's CHECK
--    constraints parsed from their stored text and compiled, the predicates of its seven partial
--    indexes compiled, its triggers set up. Phase A now resolves (or creates) each message's
--    contact as before and collects the rows; one INSERT ... SELECT FROM unnest writes them all,
--    in batch order, before phase B. send_record goes.
--    A message of the batch that repeats an earlier one of the same batch (the same
--    Idempotency-Key, or a second reply to one inbound message) was found by send_check once the
--    first row was written; now the batch answers it itself, the same way (duplicate, or
--    idempotency_conflict for another body). Should two still collide on a unique index (a
--    concurrent statement), the INSERT raises 23505, the statement rolls back, and the caller
--    prepares the sends again one by one (lib/messaging/send.ts).
-- 2. Phase B takes the organization's queue lock right before its wallet UPDATE, as wallet_debit
--    does (20261201100001_wallet_debit_lock_queue.sql): with one busy tenant, up to four prepare
--    statements per web process debit the same wallet row, and they now hand it over through one
--    plain lock wait instead of the row-conflict path. Organizations are still visited in uuid
--    order with each queue lock taken just before that organization's row, so no cycle is possible.
-- 3. messages_touch_contact runs once per statement, with the statement's new rows as a
--    transition table: one UPDATE of the contacts for a whole batch (or webhook) insert, each
--    contact once, to its newest message's time, the contacts locked in id order first so that two
--    batches cannot deadlock on them. The condition is unchanged (never moves back).

create or replace function private.send_prepare_batch(
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
  v_new integer[] := array[]::integer[];
  v_first integer;
  v_prev integer;
  v_dup integer[] := array[]::integer[];
  v_dup_of integer[] := array[]::integer[];
begin
  -- Phase A: checks and rows, no wallet lock.
  for i in 1 .. n loop
    -- A repeat, within this batch, of a message written earlier in it (same Idempotency-Key, or a
    -- second reply to the same inbound message): its row is not inserted yet, so send_check cannot
    -- see it; answer from the batch itself, as send_check would from the table.
    v_first := null;
    if p_idempotency_key[i] is not null or p_reply_to[i] is not null then
      foreach v_prev in array v_new loop
        if p_org[v_prev] = p_org[i] and (p_idempotency_key[v_prev] = p_idempotency_key[i] or p_reply_to[v_prev] = p_reply_to[i]) then
          v_first := v_prev;
          exit;
        end if;
      end loop;
    end if;
    if v_first is not null then
      r := null;
      r.message_id := (res[v_first]).message_id;
      r.fee_paise := (res[v_first]).fee_paise;
      if p_idempotency_key[v_first] = p_idempotency_key[i] and p_request_hash[v_first] is distinct from p_request_hash[i] then
        r.outcome := 'idempotency_conflict';
      else
        r.outcome := 'duplicate';
        r.message_status := 'pending';
        r.channel_id := (res[v_first]).channel_id;
        r.contact_id := (res[v_first]).contact_id;
        r.refunded := false;
        v_dup := v_dup || i;
        v_dup_of := v_dup_of || v_first;
      end if;
      res := res || r;
      continue;
    end if;
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
        if r.contact_id is null then
          -- Only a message that goes out creates a contact.
          insert into public.contacts (org_id, wa_id, phone_e164) values (p_org[i], p_wa_id[i], p_phone_e164[i])
            on conflict (org_id, wa_id) do nothing
            returning id into r.contact_id;
          if r.contact_id is null then
            select c.id into r.contact_id from public.contacts c where c.org_id = p_org[i] and c.wa_id = p_wa_id[i];
          end if;
        end if;
        v_new := v_new || i;
        r.outcome := 'charged';
        r.message_status := 'pending';
        r.refunded := false;
        r.balance_paise := v_avail[k];
      end if;
    end if;
    res := res || r;
  end loop;

  -- The batch's pending rows, in one statement, each already claimed for attempt 1 (if the process
  -- dies from here on, the Graph call may have happened, and the worker refunds rather than risk a
  -- second delivery). Its debit (phase B) names it: wallet_transactions.message_id, reference msg:<id>.
  if cardinality(v_new) > 0 then
    insert into public.messages (
      id, org_id, channel_id, contact_id, direction, type, status, text, content, fee_paise,
      idempotency_key, request_hash, reply_to_message_id, source,
      attempts, attempt_started_at, next_attempt_at
    )
    select (res[x.i]).message_id, p_org[x.i], (res[x.i]).channel_id, (res[x.i]).contact_id, 'outbound', p_type[x.i], 'pending',
           p_text[x.i], p_content[x.i], (res[x.i]).fee_paise,
           p_idempotency_key[x.i], p_request_hash[x.i], p_reply_to[x.i], p_source[x.i],
           1, now(), now() + make_interval(secs => p_grace_seconds[x.i])
      from unnest(v_new) with ordinality as x(i, ord)
     order by x.ord;
  end if;

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

    perform pg_advisory_xact_lock(hashtextextended('wallet:' || v_org::text, 0));
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

  -- A repeat within the batch is told the balance its first message's debit left.
  for j in 1 .. cardinality(v_dup) loop
    res[v_dup[j]].balance_paise := (res[v_dup_of[j]]).balance_paise;
  end loop;

  for i in 1 .. n loop
    o_ord := i;
    o_result := res[i];
    return next;
  end loop;
end
$$;

revoke all on function private.send_prepare_batch(uuid[], uuid[], text[], text[], text[], text[], jsonb[], text[], text[], uuid[], text[], integer[]) from public, anon, authenticated;
grant execute on function private.send_prepare_batch(uuid[], uuid[], text[], text[], text[], text[], jsonb[], text[], text[], uuid[], text[], integer[]) to service_role;

drop function private.send_record(uuid, uuid, uuid, uuid, text, text, text, text, jsonb, bigint, text, text, uuid, text, integer);

create or replace function private.touch_contact_last_message() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  -- One statement: the CTE locks the contacts in id order first, so two batches touching the same
  -- contacts wait on each other in one order and cannot deadlock (the UPDATE's join alone would
  -- lock them in any order).
  with n as (
    select m.contact_id, max(m.created_at) as last from new_messages m
     where m.contact_id is not null group by m.contact_id
  ), locked as (
    select c.id from public.contacts c join n on n.contact_id = c.id
     where c.last_message_at is null or c.last_message_at < n.last
     order by c.id
     for no key update of c
  )
  update public.contacts c set last_message_at = n.last
    from n join locked l on l.id = n.contact_id
   where c.id = n.contact_id and (c.last_message_at is null or c.last_message_at < n.last);
  return null;
end
$$;
revoke all on function private.touch_contact_last_message() from public, anon, authenticated;
drop trigger messages_touch_contact on public.messages;
create trigger messages_touch_contact after insert on public.messages
  referencing new table as new_messages
  for each statement execute function private.touch_contact_last_message();
