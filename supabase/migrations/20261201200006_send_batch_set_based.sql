-- send_prepare_batch in fewer statements per send (issue #3, npm run bench:send).
--
-- A perf profile of the database under bench:send had executor start-up and cached-plan checks as
-- a fifth of its CPU, and spread over 50 tenants a batch of a dozen sends held about ten
-- organizations, each paying its own statements again.
--
-- Phase A: the batch reads its organizations (with their default channel and wallet balance) and
-- its recipients' contacts in two statements, instead of private.send_check's three SELECTs per
-- message and a wallet read per organization. A plain send (no channel named, no Idempotency-Key,
-- not a reply: nearly every API and campaign send) is decided from those rows. The rules move to
-- private.send_decide, a function without queries that send_check also ends with, so they are
-- written once; send_check keeps the repeat checks (Idempotency-Key, one reply per inbound message)
-- and the named channel, in the same order as before.
--
-- Phase B visited the organizations one by one: a threshold lookup, its queue lock, its wallet
-- UPDATE and an INSERT of its ledger rows each. Now: the queue locks of all of them (uuid order,
-- as before: no cycle with another batch or a wallet_debit), one UPDATE of their wallets (a wallet
-- that no longer holds its total is a 40001, as before, and the caller prepares the sends one by
-- one), one INSERT of all ledger rows (organization by organization, each in batch order, so
-- balance_after still follows the ledger's id order), and one INSERT of the low-balance notices.
-- The answers are unchanged (the rest is copied from 20261201100002_send_batch_one_insert.sql).

-- The decision of a send on the rows it concerns, with no query of its own: the organization
-- (found, status, fee), its channel (the one named, or the default), the recipient's contact.
-- send_check reads the rows one message at a time; send_prepare_batch reads them for the whole
-- batch at once; both decide here, so the rules are written once.
create or replace function private.send_decide(
  p_type text,
  p_org_found boolean,
  p_org_status text,
  p_fee bigint,
  p_channel_named boolean,
  p_ch_id uuid,
  p_ch_status text,
  p_ch_pnid text,
  p_ch_token text,
  p_contact_id uuid,
  p_opted_out boolean,
  p_last_inbound timestamptz
) returns private.send_prepared
language plpgsql stable set search_path = '' as $$
declare
  r private.send_prepared;
begin
  if not p_org_found then
    r.outcome := 'org_not_found';
    return r;
  end if;
  r.fee_paise := p_fee;
  if p_org_status <> 'active' then
    r.outcome := 'org_suspended';
    return r;
  end if;
  if p_ch_id is null then
    r.outcome := case when p_channel_named then 'channel_not_found' else 'no_channel' end;
    return r;
  end if;
  r.channel_id := p_ch_id;
  r.channel_status := p_ch_status;
  r.phone_number_id := p_ch_pnid;
  if p_ch_status <> 'connected' or p_ch_token is null then
    r.outcome := 'channel_not_connected';
    return r;
  end if;
  r.contact_id := p_contact_id;
  if coalesce(p_opted_out, false) then
    r.outcome := 'opted_out';
    return r;
  end if;
  if p_type <> 'template' and (p_last_inbound is null or p_last_inbound < now() - interval '24 hours') then
    r.outcome := 'window_closed';
    return r;
  end if;
  r.outcome := 'ok';
  r.access_token_encrypted := p_ch_token;
  return r;
end
$$;
revoke all on function private.send_decide(text, boolean, text, bigint, boolean, uuid, text, text, text, uuid, boolean, timestamptz) from public, anon, authenticated;
grant execute on function private.send_decide(text, boolean, text, bigint, boolean, uuid, text, text, text, uuid, boolean, timestamptz) to service_role;

-- send_check: its own reads, then send_decide. The order of the checks is unchanged: organization,
-- repeats (Idempotency-Key, reply), the message replied to, channel, contact.
create or replace function private.send_check(
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
  v_contact uuid;
begin
  select o.status, o.service_fee_paise into v_org_status, v_fee from public.organizations o where o.id = p_org;
  if not found or v_org_status <> 'active' then
    return private.send_decide(p_type, found, v_org_status, v_fee, false, null, null, null, null, null, null, null);
  end if;

  if p_idempotency_key is not null then
    select m.* into v_existing from public.messages m where m.org_id = p_org and m.idempotency_key = p_idempotency_key;
  end if;
  if v_existing.id is null and p_reply_to is not null then
    select m.* into v_existing from public.messages m where m.reply_to_message_id = p_reply_to;
  end if;
  if v_existing.id is not null then
    r.message_id := v_existing.id;
    r.fee_paise := v_fee;
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
    r.fee_paise := v_fee;
    return r;
  end if;

  if p_channel is not null then
    select c.id, c.status, c.phone_number_id, c.access_token_encrypted into v_ch
      from public.channels c where c.id = p_channel and c.org_id = p_org;
  else
    select c.id, c.status, c.phone_number_id, c.access_token_encrypted into v_ch
      from public.channels c where c.org_id = p_org and c.is_default;
  end if;
  select c.id, c.opted_out, c.last_inbound_at into v_contact, v_opted_out, v_last_inbound
    from public.contacts c where c.org_id = p_org and c.wa_id = p_wa_id;
  return private.send_decide(p_type, true, v_org_status, v_fee, p_channel is not null,
                             v_ch.id, v_ch.status, v_ch.phone_number_id, v_ch.access_token_encrypted,
                             v_contact, v_opted_out, v_last_inbound);
end
$$;

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
  -- Prefetched for the whole batch: each organization with its default channel, each recipient's contact.
  v_p_orgs uuid[];
  v_p_status text[];
  v_p_fee bigint[];
  v_p_ch_id uuid[];
  v_p_ch_status text[];
  v_p_ch_pnid text[];
  v_p_ch_token text[];
  v_p_balance bigint[];
  v_c_keys text[];
  v_c_ids uuid[];
  v_c_opted boolean[];
  v_c_last timestamptz[];
  kp integer;
  kc integer;
begin
  -- Two reads for the batch instead of three per message: most sends name no channel, carry no
  -- Idempotency-Key and answer nothing, and for them send_check's queries are exactly these. The
  -- balances are a plain read, as before: phase B's conditional UPDATE is what guards them.
  select coalesce(array_agg(o.id), '{}'), coalesce(array_agg(o.status), '{}'), coalesce(array_agg(o.service_fee_paise), '{}'),
         coalesce(array_agg(c.id), '{}'), coalesce(array_agg(c.status), '{}'), coalesce(array_agg(c.phone_number_id), '{}'),
         coalesce(array_agg(c.access_token_encrypted), '{}'), coalesce(array_agg(w.balance_paise), '{}')
    into v_p_orgs, v_p_status, v_p_fee, v_p_ch_id, v_p_ch_status, v_p_ch_pnid, v_p_ch_token, v_p_balance
    from public.organizations o
    left join public.channels c on c.org_id = o.id and c.is_default
    left join public.wallets w on w.org_id = o.id
   where o.id = any (p_org);
  select coalesce(array_agg(c.org_id::text || '|' || c.wa_id), '{}'), coalesce(array_agg(c.id), '{}'),
         coalesce(array_agg(c.opted_out), '{}'), coalesce(array_agg(c.last_inbound_at), '{}')
    into v_c_keys, v_c_ids, v_c_opted, v_c_last
    from public.contacts c
   where (c.org_id, c.wa_id) in (select x.o, x.w from unnest(p_org, p_wa_id) as x(o, w));

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
    if p_channel[i] is null and p_idempotency_key[i] is null and p_reply_to[i] is null then
      -- A plain send: send_check's decision on the prefetched rows. A contact inserted earlier in
      -- this batch is not among them; it is found below by the insert's conflict, with the same
      -- outcome (a new contact has never written in, so only a template passes).
      kp := array_position(v_p_orgs, p_org[i]);
      kc := array_position(v_c_keys, p_org[i]::text || '|' || p_wa_id[i]);
      r := private.send_decide(p_type[i], kp is not null, v_p_status[kp], v_p_fee[kp], false,
                               v_p_ch_id[kp], v_p_ch_status[kp], v_p_ch_pnid[kp], v_p_ch_token[kp],
                               v_c_ids[kc], v_c_opted[kc], v_c_last[kc]);
    else
      r := private.send_check(p_org[i], p_channel[i], p_wa_id[i], p_type[i], p_idempotency_key[i], p_request_hash[i], p_reply_to[i]);
    end if;
    if r.outcome = 'ok' then
      k := array_position(v_orgs, p_org[i]);
      if k is null then
        v_orgs := v_orgs || p_org[i];
        v_avail := v_avail || v_p_balance[array_position(v_p_orgs, p_org[i])];
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
