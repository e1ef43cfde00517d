-- send_prepare_batch debits all the organizations of a batch in a few statements, not a few each
-- (issue #3, npm run bench:send).
--
-- Phase B visited the batch's organizations one by one: for each, a lookup of its low-balance
-- threshold, its queue lock, its wallet UPDATE and an INSERT of its ledger rows. Spread over 50
-- tenants, a batch of a dozen sends held about ten organizations, so phase B ran some forty
-- statements per batch, each paying the executor's fixed cost again, where one tenant paid four.
-- Now: the queue locks of all of them (uuid order, as before: no cycle with another batch or a
-- wallet_debit), one UPDATE of their wallets (a wallet that no longer holds its total is a 40001,
-- as before, and the caller prepares the sends one by one), one INSERT of all ledger rows
-- (organization by organization, each in batch order, so balance_after still follows the ledger's
-- id order), and one INSERT of the low-balance notices. Phase A and the answers are unchanged
-- (copied from 20261201100002_send_batch_one_insert.sql).

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
  v_dorgs uuid[];
  v_totals bigint[];
  v_updated integer;
  v_is integer[];
  v_afters bigint[];
  v_txs bigint[];
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

  -- Phase B: every organization of the batch at once. Its queue locks in uuid order (as
  -- wallet_debit takes its own), then one UPDATE of their wallets, one INSERT of the ledger rows
  -- (each organization's in batch order, every balance_after following from the one before), one
  -- INSERT of the low-balance notices the batch caused.
  select coalesce(array_agg(t.org order by t.org), '{}'), coalesce(array_agg(t.total order by t.org), '{}')
    into v_dorgs, v_totals
    from (select p_org[x.i] as org, sum((res[x.i]).fee_paise)::bigint as total
            from unnest(v_new) as x(i)
           where (res[x.i]).fee_paise > 0
           group by 1) t;
  if cardinality(v_dorgs) > 0 then
    perform pg_advisory_xact_lock(s.k)
       from (select hashtextextended('wallet:' || o::text, 0) as k from unnest(v_dorgs) as o order by o offset 0) s;
    -- References are msg:<fresh uuid>, so no earlier debit can have them (the unique index still guards).
    with upd as (
      update public.wallets w set balance_paise = w.balance_paise - d.total, updated_at = now()
        from unnest(v_dorgs, v_totals) as d(org, total)
       where w.org_id = d.org and w.balance_paise >= d.total
      returning w.org_id, w.balance_paise + d.total as before
    ),
    calc as (
      select x.i, x.ord, p_org[x.i] as org, (res[x.i]).message_id as mid, (res[x.i]).fee_paise as fee,
             u.before - sum((res[x.i]).fee_paise) over (partition by p_org[x.i] order by x.ord) as after
        from unnest(v_new) with ordinality as x(i, ord)
        join upd u on u.org_id = p_org[x.i]
       where (res[x.i]).fee_paise > 0
    ),
    ins as (
      insert into public.wallet_transactions (org_id, kind, amount_paise, balance_after_paise, reference, description, message_id)
      select c.org, 'debit', -c.fee, c.after, 'msg:' || c.mid::text, 'Message fee', c.mid
        from calc c
       order by c.org, c.ord
      returning id, message_id
    )
    select (select count(*) from upd)::int,
           coalesce(array_agg(c.i order by c.org, c.ord), '{}'),
           coalesce(array_agg(c.after order by c.org, c.ord), '{}'),
           coalesce(array_agg(ins.id order by c.org, c.ord), '{}')
      into v_updated, v_is, v_afters, v_txs
      from calc c join ins on ins.message_id = c.mid;
    if v_updated <> cardinality(v_dorgs) then
      raise exception 'the wallet balance changed while this batch of sends was prepared; retry them one by one'
        using errcode = '40001';
    end if;
    for j in 1 .. cardinality(v_is) loop
      res[v_is[j]].balance_paise := v_afters[j];
    end loop;

    -- An organization whose balance this batch took below its threshold: one notice per crossing
    -- (the first debit that crossed), not one per message.
    insert into public.notifications (org_id, kind, title, body, data)
    select distinct on (c.org) c.org, 'low_balance', 'Wallet balance is low',
           'The wallet balance fell below the low-balance threshold. Recharge to keep sending.',
           jsonb_build_object('balance_paise', c.after, 'threshold_paise', o.low_balance_threshold_paise, 'transaction_id', c.tx)
      from (select p_org[y.i] as org, (res[y.i]).fee_paise as fee, y.after, y.tx, y.ord
              from unnest(v_is, v_afters, v_txs) with ordinality as y(i, after, tx, ord)) c
      join public.organizations o on o.id = c.org
     where c.after < o.low_balance_threshold_paise and c.after + c.fee >= o.low_balance_threshold_paise
     order by c.org, c.ord;
  end if;

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
