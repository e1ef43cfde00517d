-- Debits of one busy wallet stop waiting for each other's WAL flush (issue #2, npm run bench:wallet).
--
-- Debits of one wallet are serialized: each holds the wallet's row (and queue) lock until its
-- transaction ends. With synchronous_commit on, a transaction ends only after its commit record is
-- flushed to disk, so every debit waited for the previous debit's disk flush before it could even
-- start, and a flush cannot be shared between debits (group commit) when they run one at a time.
-- On a machine whose fsync takes ~0.5 ms that flush was most of a hot wallet's time per debit.
--
-- private.wallet_debit_commit runs one debit as a transaction of its own and releases the locks
-- before the flush, then waits for the flush before it returns (early lock release):
--   1. synchronous_commit = off for this transaction only, so COMMIT writes the commit record and
--      releases the locks at once; the next debit of the wallet can start;
--   2. pg_logical_emit_message(..., flush => true) writes a tiny WAL record after that commit
--      record and flushes the WAL up to it. WAL is flushed in order, so when it returns the
--      debit's commit is on disk. Concurrent debits' flushes are shared, as group commit is.
-- The caller gets its answer only after step 2, so an answer is never lost to a crash: a debit
-- reported as applied is durable, exactly as with a synchronous commit. What changes is what OTHER
-- sessions can see: between steps 1 and 2 (well under a millisecond) another session can read the
-- new balance before it is on disk. A crash in that window loses the debit (whose caller never got
-- an answer) and every transaction after it, in order, so nothing durable can depend on it: a
-- later debit's own flush covers the earlier commit record before that later debit answers.
--
-- The flush argument exists from PostgreSQL 17. On an older server (a Supabase project on 15, say),
-- or one with synchronous standbys, the procedure commits synchronously as before: same answers,
-- the old speed.
--
-- A procedure that commits must be CALLed outside a transaction block; inside one, use
-- private.wallet_debit and the caller's own commit. A procedure with transaction control cannot
-- have a SET search_path clause, so every name in it is schema-qualified.

-- Whether this server can flush the WAL on request (PostgreSQL 17+, and the caller may run the
-- function that does it): then a transaction may commit without waiting for its flush and
-- private.flush_wal() makes it durable before anyone is answered. Not with synchronous standbys:
-- a synchronous commit also waits for them, and the flush on request does not. CASE keeps the
-- signature lookup off servers where that function has no flush argument.
-- (No SET clause, so that it can be inlined: it names only pg_catalog objects.)
create function private.can_release_locks_before_flush() returns boolean
language sql stable as $$
  select case when pg_catalog.current_setting('server_version_num')::int >= 170000
                   and pg_catalog.current_setting('synchronous_standby_names') = ''
              then pg_catalog.has_function_privilege('pg_catalog.pg_logical_emit_message(boolean, text, text, boolean)', 'execute')
              else false end
$$;

-- Flushes the WAL up to now: every transaction that committed before this call is on disk when it
-- returns. Returns the LSN it flushed to (null, with nothing to do, before PostgreSQL 17, where
-- callers commit synchronously).
create function private.flush_wal() returns pg_lsn
language plpgsql volatile set search_path = '' as $$
begin
  if not private.can_release_locks_before_flush() then
    return null;
  end if;
  -- Non-transactional, so it needs no transaction id. A logical decoding consumer that asks for
  -- messages sees an empty one with the prefix 'wal_flush'.
  return pg_catalog.pg_logical_emit_message(false, 'wal_flush', '', true);
end
$$;

-- For a one-statement transaction that holds a hot lock (the send pipeline's private.send_prepare_batch):
-- its commit will not wait for the flush, and the caller must call private.flush_wal() before it
-- tells anyone the outcome. Returns whether it did so (false before PostgreSQL 17: an ordinary commit).
create function private.commit_without_waiting_for_flush() returns boolean
language plpgsql volatile set search_path = '' as $$
begin
  if not private.can_release_locks_before_flush() then
    return false;
  end if;
  -- Local to the transaction; a function's SET clause restores only the variables it names.
  perform pg_catalog.set_config('synchronous_commit', 'off', true);
  return true;
end
$$;

create procedure private.wallet_debit_commit(
  p_org uuid, p_amount bigint, p_reference text, p_description text default null, p_message_id uuid default null,
  inout ok boolean default null, inout status text default null, inout transaction_id bigint default null,
  inout balance_paise bigint default null, inout crossed_low_balance boolean default null,
  -- Where the WAL stood right after this debit's commit, and how far it was then flushed: for tests.
  inout commit_lsn pg_lsn default null, inout flushed_lsn pg_lsn default null
)
language plpgsql as $$
declare
  r private.wallet_result;
  v_early boolean := private.commit_without_waiting_for_flush();
begin
  r := private.wallet_debit(p_org, p_amount, p_reference, p_description, p_message_id);
  ok := r.ok;
  status := r.status;
  transaction_id := r.transaction_id;
  balance_paise := r.balance_paise;
  crossed_low_balance := r.crossed_low_balance;
  commit;
  commit_lsn := pg_catalog.pg_current_wal_insert_lsn();
  if v_early then
    -- What private.flush_wal() does, without asking again whether the server can.
    flushed_lsn := pg_catalog.pg_logical_emit_message(false, 'wal_flush', '', true);
  end if;
end
$$;

revoke all on function private.can_release_locks_before_flush() from public, anon, authenticated;
revoke all on function private.flush_wal() from public, anon, authenticated;
revoke all on function private.commit_without_waiting_for_flush() from public, anon, authenticated;
revoke all on procedure private.wallet_debit_commit(uuid, bigint, text, text, uuid, boolean, text, bigint, bigint, boolean, pg_lsn, pg_lsn)
  from public, anon, authenticated;
grant execute on function private.can_release_locks_before_flush() to service_role;
grant execute on function private.flush_wal() to service_role;
grant execute on function private.commit_without_waiting_for_flush() to service_role;
grant execute on procedure private.wallet_debit_commit(uuid, bigint, text, text, uuid, boolean, text, bigint, bigint, boolean, pg_lsn, pg_lsn)
  to service_role;
