-- The send pipeline: one SQL call charges and records a message (one round trip, one short lock
-- on the wallet row), one call finalises a failure (with its refund). Both run as service_role.

alter table public.messages
  add column source text check (source in ('api', 'dashboard', 'auto_reply', 'campaign')),
  -- When the current Graph call started; null when no call is in flight. A pending message whose
  -- call started long ago may have reached Meta (the process died mid-call): it is never resent.
  add column attempt_started_at timestamptz,
  -- When the reconciliation worker may next look at a pending message (retry or give up).
  add column next_attempt_at timestamptz;

create index messages_pending_due_idx on public.messages (next_attempt_at) where status = 'pending';

create type private.send_prepared as (
  -- 'charged' | 'duplicate' | 'idempotency_conflict' | 'insufficient_funds' | 'org_not_found' |
  -- 'org_suspended' | 'channel_not_found' | 'no_channel' | 'channel_not_connected' |
  -- 'reply_to_not_found' | 'opted_out' | 'window_closed'
  outcome text,
  message_id uuid,
  message_status text,
  wamid text,
  fee_paise bigint,
  balance_paise bigint,
  channel_id uuid,
  channel_status text,
  phone_number_id text,
  access_token_encrypted text,
  contact_id uuid,
  error_code integer,
  error_title text,
  refunded boolean
);

-- Checks, charges and records an outbound message in the caller's single statement (so in one
-- transaction): organization active, channel of this organization and connected, no duplicate
-- (idempotency key, or a reply to the same inbound message — checked before charging), contact not
-- opted out, and for non-template messages the 24-hour customer-service window. Then the debit
-- (wallet row locked last, so the lock is short) and the pending message row.
-- A concurrent duplicate that slips past the checks fails on a unique index and rolls the whole
-- statement back, debit included; the caller retries once and then sees the duplicate.
create function private.send_prepare(
  p_org uuid,
  p_channel uuid,
  p_wa_id text,
  p_phone_e164 text,
  p_type text,
  p_text text,
  p_content jsonb,
  p_idempotency_key text,
  p_request_hash text,
  p_reply_to uuid,
  p_source text,
  p_grace_seconds integer
) returns private.send_prepared
language plpgsql set search_path = '' as $$
declare
  r private.send_prepared;
  v_org_status text;
  v_fee bigint;
  v_ch record;
  v_existing public.messages;
  v_contact_id uuid;
  v_opted_out boolean;
  v_last_inbound timestamptz;
  v_debit private.wallet_result;
  v_id uuid := gen_random_uuid();
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

  -- Duplicates charge nothing: answer with the first message.
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
    select t.balance_after_paise into r.balance_paise from public.wallet_transactions t where t.id = v_existing.debit_transaction_id;
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

  select c.id, c.opted_out, c.last_inbound_at into v_contact_id, v_opted_out, v_last_inbound
    from public.contacts c where c.org_id = p_org and c.wa_id = p_wa_id;
  r.contact_id := v_contact_id;
  if coalesce(v_opted_out, false) then
    r.outcome := 'opted_out';
    return r;
  end if;
  if p_type <> 'template' and (v_last_inbound is null or v_last_inbound < now() - interval '24 hours') then
    r.outcome := 'window_closed';
    return r;
  end if;

  if v_fee > 0 then
    v_debit := private.wallet_debit(p_org, v_fee, 'msg:' || v_id::text, 'Message fee', v_id);
    if not v_debit.ok then
      r.outcome := 'insufficient_funds';
      r.balance_paise := coalesce(v_debit.balance_paise, 0);
      return r;
    end if;
    r.balance_paise := v_debit.balance_paise;
  else
    select w.balance_paise into r.balance_paise from public.wallets w where w.org_id = p_org;
  end if;

  -- Only a message that is going out creates its contact (a rejected send leaves nothing behind).
  if v_contact_id is null then
    insert into public.contacts (org_id, wa_id, phone_e164) values (p_org, p_wa_id, p_phone_e164)
      on conflict (org_id, wa_id) do nothing
      returning id into v_contact_id;
    if v_contact_id is null then
      select c.id into v_contact_id from public.contacts c where c.org_id = p_org and c.wa_id = p_wa_id;
    end if;
  end if;

  -- Inserted already claimed by the caller (attempt 1 in flight): if the process dies from here on,
  -- the Graph call may have happened, and the worker refunds rather than risk a second delivery.
  insert into public.messages (
    id, org_id, channel_id, contact_id, direction, type, status, text, content, fee_paise,
    debit_transaction_id, idempotency_key, request_hash, reply_to_message_id, source,
    attempts, attempt_started_at, next_attempt_at
  ) values (
    v_id, p_org, v_ch.id, v_contact_id, 'outbound', p_type, 'pending', p_text, p_content, v_fee,
    v_debit.transaction_id, p_idempotency_key, p_request_hash, p_reply_to, p_source,
    1, now(), now() + make_interval(secs => p_grace_seconds)
  );

  r.outcome := 'charged';
  r.message_id := v_id;
  r.message_status := 'pending';
  r.access_token_encrypted := v_ch.access_token_encrypted;
  r.contact_id := v_contact_id;
  r.refunded := false;
  return r;
end
$$;

-- Marks a pending message failed, refunding its fee when p_refund. Does nothing to a message that is
-- no longer pending (a racing worker or a late success finalised it), so it is safe to call twice.
create function private.send_fail(p_message uuid, p_code integer, p_title text, p_refund boolean)
returns table (applied boolean, refunded boolean, balance_paise bigint)
language plpgsql set search_path = '' as $$
declare
  v_msg record;
  v_refund private.wallet_result;
  v_refunded boolean := false;
begin
  select m.id, m.org_id, m.debit_transaction_id into v_msg
    from public.messages m where m.id = p_message and m.status = 'pending' for update;
  if not found then
    return query select false, coalesce((select m.refunded from public.messages m where m.id = p_message), false),
      (select w.balance_paise from public.wallets w join public.messages m on m.org_id = w.org_id where m.id = p_message);
    return;
  end if;
  if p_refund and v_msg.debit_transaction_id is not null then
    v_refund := private.wallet_refund('msg:' || p_message::text, null, 'Refund: message not sent');
    v_refunded := v_refund.ok;
  end if;
  update public.messages m set status = 'failed', failed_at = now(), error_code = p_code, error_title = p_title,
    refunded = v_refunded, attempt_started_at = null, next_attempt_at = null, updated_at = now()
    where m.id = p_message;
  return query select true, v_refunded, (select w.balance_paise from public.wallets w where w.org_id = v_msg.org_id);
end
$$;

revoke all on function private.send_prepare(uuid, uuid, text, text, text, text, jsonb, text, text, uuid, text, integer) from public, anon, authenticated;
revoke all on function private.send_fail(uuid, integer, text, boolean) from public, anon, authenticated;
grant execute on function private.send_prepare(uuid, uuid, text, text, text, text, jsonb, text, text, uuid, text, integer) to service_role;
grant execute on function private.send_fail(uuid, integer, text, boolean) to service_role;
