import { createHash } from "node:crypto";
import { env } from "../config/env";
import { channelTokenContext, decryptSecret } from "../crypto/secrets";
import { retryTransient } from "../db/retry";
import { servicePrepared, serviceQuery } from "../db/service-query";
import { flushWal } from "../db/wal";
import { ApiError } from "../http/errors";
import { logger } from "../log";
import { assertTemplateSendable } from "../templates/cache";
import { isTokenError } from "../whatsapp/errors";
import { GraphApiError, graphClient } from "../whatsapp/graph-client";
import { messagePreviewText, outboundMessageSchema, type OutboundMessage } from "./outbound";
import { normalizeRecipient, recipientHint } from "./phone";

// The send pipeline — the one service behind the API, the dashboard, auto-replies and campaigns:
//   0. template messages: checked against the template's definition (lib/templates/cache.ts);
//   1. one SQL call (private.send_prepare_batch, one transaction, one round trip): organization active,
//      channel resolved and connected, duplicates answered without a charge, opt-out and 24-hour
//      window checked, the fee debited (reference msg:<message id>) and a `pending` row written;
//   2. the Graph API call (outside any transaction);
//   3. one UPDATE: wamid stored, status `sent`; or a failure settled by the refund policy
//      (lib/whatsapp/errors.ts): refunded, kept, or retried later by the worker (./reconcile.ts).
// A charged message therefore always ends sent or refunded (or failed by Meta's verdict, fee kept).

export type SendSource = "api" | "dashboard" | "auto_reply" | "campaign";
export type MessageStatus = "pending" | "sent" | "delivered" | "read" | "failed";

export interface SendInput {
  orgId: string;
  channelId?: string;
  /** Recipient in E.164 (+919876543210) or WhatsApp's digits (919876543210). */
  to: string;
  message: OutboundMessage;
  /** Same key + same request → the first result, charged once; same key + another request → 409. */
  idempotencyKey?: string;
  /** The inbound message this answers (auto-replies): at most one reply each, a duplicate charges nothing. */
  replyToMessageId?: string;
  source: SendSource;
  /**
   * Awaited after the charge and before the Graph call (campaigns pace their calls to Meta with it,
   * lib/campaigns/pace.ts). The message is already claimed: if the process dies while waiting, the
   * worker refunds it rather than risk a second delivery.
   */
  beforeDeliver?: () => Promise<void>;
}

export interface SendResult {
  id: string;
  wamid: string | null;
  /** sent; pending (a retry is scheduled, or Meta's answer is unknown); failed (see error/refunded). */
  status: MessageStatus;
  feePaise: number;
  balancePaise: number;
  refunded: boolean;
  error: { code: number | null; title: string } | null;
  /** True when this answers a repeated request (Idempotency-Key, or a second reply to one inbound message). */
  duplicate: boolean;
  channelId: string | null;
  contactId: string | null;
  waId: string;
}

interface Prepared {
  outcome: string;
  message_id: string | null;
  message_status: MessageStatus | null;
  wamid: string | null;
  fee_paise: number | null;
  balance_paise: number | null;
  channel_id: string | null;
  channel_status: string | null;
  phone_number_id: string | null;
  access_token_encrypted: string | null;
  contact_id: string | null;
  error_code: number | null;
  error_title: string | null;
  refunded: boolean | null;
}

export function sendPolicy() {
  const e = env();
  return {
    maxAttempts: e.SEND_RETRY_MAX_ATTEMPTS,
    baseDelayMs: e.SEND_RETRY_BASE_MS,
    // Never shorter than two Graph timeouts: a call still legitimately in flight is not "lost".
    unknownOutcomeGraceSeconds: Math.max(e.SEND_UNKNOWN_OUTCOME_GRACE_SECONDS, Math.ceil((2 * e.GRAPH_API_TIMEOUT_MS) / 1000)),
  };
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Sends one message for an organization; throws ApiError for every 4xx outcome (nothing charged). */
export async function sendMessage(input: SendInput): Promise<SendResult> {
  const recipient = normalizeRecipient(input.to);
  if (!recipient) throw new ApiError(400, "invalid_recipient", `"${input.to.slice(0, 40)}" is not a valid phone number. ${recipientHint}`);
  const parsed = outboundMessageSchema.safeParse(input.message);
  if (!parsed.success) throw parsed.error;
  const message = parsed.data;
  if (input.idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(input.idempotencyKey)) {
    throw new ApiError(400, "invalid_idempotency_key", "Idempotency-Key must be 1 to 255 visible ASCII characters.");
  }
  if (input.channelId !== undefined && !UUID.test(input.channelId)) {
    throw new ApiError(404, "channel_not_found", "No channel with this channel_id in your organization.");
  }
  if (input.replyToMessageId !== undefined && !UUID.test(input.replyToMessageId)) {
    throw new ApiError(404, "reply_to_not_found", "The message being replied to was not found in this organization.");
  }
  // Before any charge: a template exists for this channel's WABA, is APPROVED, and the parameters
  // match its definition (cached per process; lib/templates/cache.ts). Its body, filled in, is the
  // text the inbox shows.
  const templateText =
    message.type === "template"
      ? await assertTemplateSendable({ orgId: input.orgId, channelId: input.channelId ?? null, template: message.template })
      : null;
  const content = { to: recipient.waId, ...message };
  const requestHash = input.idempotencyKey
    ? createHash("sha256").update(JSON.stringify({ channel: input.channelId ?? null, ...content })).digest("hex")
    : null;
  const policy = sendPolicy();

  const args = [
    input.orgId,
    input.channelId ?? null,
    recipient.waId,
    recipient.e164,
    message.type,
    templateText ?? messagePreviewText(message),
    content,
    input.idempotencyKey ?? null,
    requestHash,
    input.replyToMessageId ?? null,
    input.source,
    policy.unknownOutcomeGraceSeconds,
  ];
  const p = await prepare(args);

  const base = {
    feePaise: p.fee_paise ?? 0,
    balancePaise: p.balance_paise ?? 0,
    channelId: p.channel_id,
    contactId: p.contact_id,
    waId: recipient.waId,
  };
  switch (p.outcome) {
    case "charged":
      break;
    case "duplicate": {
      let first: Pick<SendResult, "wamid" | "status" | "refunded" | "error"> = {
        wamid: p.wamid,
        status: p.message_status!,
        refunded: Boolean(p.refunded),
        error: p.error_title ? { code: p.error_code, title: p.error_title } : null,
      };
      if (first.status === "pending" && !first.wamid && !first.error) first = (await originalOutcome(p.message_id!)) ?? first;
      return { ...base, id: p.message_id!, ...first, duplicate: true };
    }
    default:
      throw rejection(p);
  }

  const messageId = p.message_id!;
  const channelId = p.channel_id!;
  let token: string;
  try {
    token = decryptSecret(p.access_token_encrypted!, channelTokenContext(channelId));
  } catch (err) {
    // Our failure, not the tenant's: refund, and make the channel ask for a reconnect.
    logger.error({ channelId, err: (err as Error).message }, "channel token cannot be decrypted");
    await serviceQuery("update public.channels set status = 'token_expired', updated_at = now() where id = $1", [channelId]);
    const settled = await failMessage(messageId, null, "The channel's access token could not be decrypted; reconnect the channel", true);
    return { ...base, id: messageId, wamid: null, status: "failed", refunded: settled.refunded, balancePaise: settled.balancePaise ?? base.balancePaise, error: { code: null, title: "Channel token unusable" }, duplicate: false };
  }

  if (input.beforeDeliver) await input.beforeDeliver();
  const outcome = await deliver({ messageId, channelId, phoneNumberId: p.phone_number_id!, token, content, attempts: 1 });
  return {
    ...base,
    id: messageId,
    wamid: outcome.wamid,
    status: outcome.status,
    refunded: outcome.refunded,
    balancePaise: outcome.balancePaise ?? base.balancePaise,
    error: outcome.error,
    duplicate: false,
  };
}

// A repeat of a request still in flight (same Idempotency-Key, sent concurrently) finds the first
// one charged and pending, no answer from Meta yet. "The same request returns the first result":
// wait for that result a little, as the first caller does, rather than answer 202 for a message
// that is about to be sent. Only for a young row: one left pending by a crash is the reconciler's.
const ORIGINAL_WAIT_MS = 5_000;

async function originalOutcome(messageId: string): Promise<Pick<SendResult, "wamid" | "status" | "refunded" | "error"> | null> {
  const deadline = Date.now() + ORIGINAL_WAIT_MS;
  for (let pause = 10; Date.now() < deadline; pause = Math.min(pause * 2, 200)) {
    await new Promise((r) => setTimeout(r, pause));
    const { rows } = await serviceQuery<{ status: MessageStatus; wamid: string | null; refunded: boolean; error_code: number | null; error_title: string | null; young: boolean }>(
      `select status, wamid, refunded, error_code, error_title, created_at > now() - interval '1 minute' as young
       from public.messages where id = $1`,
      [messageId],
    );
    const m = rows[0];
    if (!m) return null;
    const error = m.error_title ? { code: m.error_code, title: m.error_title } : null;
    if (m.status !== "pending" || m.wamid || error || !m.young) return { wamid: m.wamid, status: m.status, refunded: m.refunded, error };
  }
  return null;
}

// ---- Charging: private.send_prepare_batch, one transaction per event-loop turn ----
// Sends that reach this point in the same turn of the event loop are prepared together in ONE
// statement (so one transaction and one commit): under load, that turns many round trips and WAL
// flushes into one. The function checks and writes every message first and then debits each
// organization's wallet once for the batch, so the hot wallet row is locked only for that debit,
// its ledger rows and the commit (supabase/migrations/20261201000001_send_prepare_batch.sql).
// Rows go in (org, recipient) order so concurrent batches lock contacts in the same order.
// If the statement fails — a concurrent duplicate hitting a unique index (23505), the wallet
// changing between its read and the debit (40001), a deadlock victim (40P01) — it rolled back
// entirely (nothing was charged) and each member is prepared on its own, retried a few times.

// The batch commits without waiting for its disk flush, so the next batch of a busy wallet gets the
// wallet row sooner; runBatch flushes the WAL before any send is answered or delivered, so nothing
// is acted on before it is durable (supabase/migrations/20261201200002_wallet_debit_early_lock_release.sql).
const PREPARE = `select b.o_ord as ord, e.early as early_commit, (b.o_result).*
  from private.commit_without_waiting_for_flush() e(early),
       private.send_prepare_batch($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::jsonb[],
                                  $8::text[], $9::text[], $10::uuid[], $11::text[], $12::int[]) b
  order by b.o_ord`;
const MAX_BATCH = 64;
const RETRYABLE = new Set(["23505", "40001", "40P01"]);
const MAX_ATTEMPTS = 5;

interface PrepareJob {
  args: unknown[];
  key: string;
  resolve: (p: Prepared) => void;
  reject: (e: unknown) => void;
}
/** Counters for tests and benchmarks: statements run, sends they carried, batches that fell back, WAL flushes awaited. */
export const prepareStats = { statements: 0, sends: 0, fallbacks: 0, flushes: 0 };
const prepareQueue: PrepareJob[] = [];
let prepareScheduled = false;
// At most this many prepare statements in flight per process; sends arriving meanwhile wait and go
// in the next one. Requests reach a server one per event-loop turn more often than not, so
// without the cap most statements would carry one or two sends, and every statement is a round
// trip and a commit (and, for one organization, a wait on the same wallet row anyway).
const MAX_IN_FLIGHT = 4;
let inFlight = 0;

function prepare(args: unknown[]): Promise<Prepared> {
  return new Promise((resolve, reject) => {
    prepareQueue.push({ args, key: `${args[0]}|${args[2]}`, resolve, reject });
    schedulePrepare();
  });
}

function schedulePrepare(): void {
  if (prepareScheduled || inFlight >= MAX_IN_FLIGHT) return;
  prepareScheduled = true;
  // After the current turn of the event loop, so sends started in the same turn go together.
  setImmediate(flushPrepare);
}

function flushPrepare(): void {
  prepareScheduled = false;
  while (prepareQueue.length && inFlight < MAX_IN_FLIGHT) {
    const batch = prepareQueue.splice(0, MAX_BATCH);
    inFlight++;
    void runBatch(batch, 1).finally(() => {
      inFlight--;
      if (prepareQueue.length) schedulePrepare();
    });
  }
}

async function runBatch(batch: PrepareJob[], attempt: number): Promise<void> {
  batch.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const cols: unknown[][] = Array.from({ length: 12 }, () => []);
  for (const job of batch) job.args.forEach((v, i) => cols[i].push(i === 6 ? JSON.stringify(v) : v));
  let rows: (Prepared & { ord: number; early_commit: boolean })[];
  try {
    prepareStats.statements++;
    rows = (await servicePrepared<Prepared & { ord: number; early_commit: boolean }>("send_prepare_batch", PREPARE, cols)).rows;
    if (rows.length !== batch.length) throw new Error("send_prepare_batch returned a row count that does not match");
  } catch (err) {
    const retryable = RETRYABLE.has((err as { code?: string }).code ?? "");
    if (batch.length > 1) {
      // Any failure of a batch: each member on its own, so one bad send cannot sink the others.
      prepareStats.fallbacks++;
      await Promise.all(batch.map((job) => runBatch([job], 1)));
    } else if (retryable && attempt < MAX_ATTEMPTS) {
      // Read again: a duplicate that won the race is answered as a duplicate, uncharged.
      await runBatch(batch, attempt + 1);
    } else {
      batch[0].reject(err);
    }
    return;
  }
  // Committed. Durable before anyone hears of it; if the flush fails, the batch is NOT prepared
  // again (that could charge twice): each send fails, and its message (if any) stays pending for
  // the reconciler, as after a crash.
  try {
    if (rows[0]?.early_commit) {
      await flushWal();
      prepareStats.flushes++;
    }
  } catch (err) {
    for (const job of batch) job.reject(err);
    return;
  }
  prepareStats.sends += batch.length;
  for (const r of rows) batch[Number(r.ord) - 1].resolve(r);
}

function rejection(p: Prepared): ApiError {
  switch (p.outcome) {
    case "org_not_found":
      return new ApiError(404, "organization_not_found", "Organization not found.");
    case "org_suspended":
      return new ApiError(403, "organization_suspended", "This organization is suspended. Contact the platform operator.");
    case "idempotency_conflict":
      return new ApiError(409, "idempotency_key_reused", "This Idempotency-Key was already used with a different request. Use a new key for a new message.", { message_id: p.message_id });
    case "channel_not_found":
      return new ApiError(404, "channel_not_found", "No channel with this channel_id in your organization.");
    case "no_channel":
      return new ApiError(422, "no_channel", "Connect a WhatsApp number (a channel) before sending messages.");
    case "channel_not_connected":
      return new ApiError(
        422,
        "channel_not_connected",
        p.channel_status === "token_expired"
          ? "The channel's access token has expired. Reconnect the channel (Embedded Signup) to send again."
          : "This channel is disconnected. Reconnect it, or send from another channel.",
        { channel_id: p.channel_id, channel_status: p.channel_status },
      );
    case "reply_to_not_found":
      return new ApiError(404, "reply_to_not_found", "The message being replied to was not found in this organization.");
    case "opted_out":
      return new ApiError(422, "contact_opted_out", "This contact has opted out of messages from you. Nothing was sent or charged.");
    case "window_closed":
      return new ApiError(
        422,
        "outside_customer_service_window",
        'More than 24 hours have passed since this contact last wrote to you (or they never have), so WhatsApp only allows a template message. Send type "template" with an approved template.',
      );
    case "insufficient_funds":
      return new ApiError(402, "insufficient_balance", "The wallet balance is lower than the message fee. Recharge the wallet to send.", {
        balance_paise: p.balance_paise ?? 0,
        fee_paise: p.fee_paise ?? 0,
      });
    default:
      return new ApiError(500, "internal_error", `Unexpected send outcome ${p.outcome}`);
  }
}

export interface DeliveryOutcome {
  status: MessageStatus;
  wamid: string | null;
  refunded: boolean;
  balancePaise: number | null;
  error: { code: number | null; title: string } | null;
}

/**
 * Calls Meta for a charged, claimed message and records the outcome. Shared by the inline send and
 * the reconciliation worker. `attempts` is the number of this attempt.
 */
export async function deliver(m: {
  messageId: string;
  channelId: string;
  phoneNumberId: string;
  token: string;
  content: Record<string, unknown>;
  attempts: number;
}): Promise<DeliveryOutcome> {
  try {
    // biz_opaque_callback_data comes back in Meta's status webhooks: a status for a message whose
    // answer we never got (process died mid-call) can still be tied to our row by this id.
    const res = await graphClient().sendMessage({
      phoneNumberId: m.phoneNumberId,
      accessToken: m.token,
      payload: { ...m.content, biz_opaque_callback_data: m.messageId },
    });
    const status = await recordSent(m.messageId, res.wamid);
    return { status, wamid: res.wamid, refunded: false, balancePaise: null, error: null };
  } catch (err) {
    if (!(err instanceof GraphApiError)) throw err;
    return settleFailure(m, err);
  }
}

// Successful sends are recorded in small batches: every answer from Meta that arrives in the same
// turn of the event loop goes into one UPDATE (one round trip, one commit) — under load that saves
// a statement and a WAL flush per message. Each caller still waits for its row to be committed
// before it answers "sent".
const SENT_SQL = `update public.messages m set
     status = case when m.status = 'pending' then 'sent' else m.status end,
     wamid = coalesce(m.wamid, v.wamid), sent_at = coalesce(m.sent_at, now()),
     error_code = case when m.status = 'pending' then null else m.error_code end,
     error_title = case when m.status = 'pending' then null else m.error_title end,
     attempt_started_at = null, next_attempt_at = null, updated_at = now()
   from unnest($1::uuid[], $2::text[]) as v(id, wamid)
   where m.id = v.id
   returning m.id, m.status`;
let sentBatch: Array<{ id: string; wamid: string; resolve: (s: MessageStatus) => void; reject: (e: unknown) => void }> = [];
let sentFlushScheduled = false;
// Not capped in flight (unlike prepares): a success waiting for its UPDATE is a wamid not yet
// stored, and Meta's status webhook for it, arriving meanwhile, would have to be retried later.

/** Records a successful send (batched with others from the same event-loop turn); exported for tests. */
export function recordSent(id: string, wamid: string): Promise<MessageStatus> {
  return new Promise((resolve, reject) => {
    sentBatch.push({ id, wamid, resolve, reject });
    if (!sentFlushScheduled) {
      sentFlushScheduled = true;
      setImmediate(flushSent);
    }
  });
}

async function flushSent(): Promise<void> {
  sentFlushScheduled = false;
  // Sorted by id so concurrent batches lock rows in one order.
  const batch = sentBatch.sort((a, b) => (a.id < b.id ? -1 : 1));
  sentBatch = [];
  const settle = (rows: Array<{ id: string; status: MessageStatus }>, items: typeof batch) => {
    const byId = new Map(rows.map((r) => [r.id, r.status]));
    for (const b of items) b.resolve(byId.get(b.id) ?? "sent");
  };
  try {
    const { rows } = await retryTransient(() =>
      servicePrepared<{ id: string; status: MessageStatus }>("send_succeeded", SENT_SQL, [batch.map((b) => b.id), batch.map((b) => b.wamid)]),
    );
    settle(rows, batch);
  } catch (err) {
    if (batch.length === 1) return batch[0].reject(err);
    // One bad row (say, a wamid Meta repeated) must not fail the others: record them one by one.
    await Promise.all(
      batch.map((b) =>
        servicePrepared<{ id: string; status: MessageStatus }>("send_succeeded", SENT_SQL, [[b.id], [b.wamid]]).then(
          ({ rows }) => settle(rows, [b]),
          (e: unknown) => b.reject(e),
        ),
      ),
    );
  }
}

async function settleFailure(m: { messageId: string; channelId: string; attempts: number }, err: GraphApiError): Promise<DeliveryOutcome> {
  const i = err.info;
  const error = { code: i.code ?? null, title: i.title.slice(0, 500) };
  logger.warn({ messageId: m.messageId, code: i.code, httpStatus: i.httpStatus, network: i.network, fbtraceId: i.fbtraceId }, "graph send failed");
  if (isTokenError(i.code)) await serviceQuery("update public.channels set status = 'token_expired', updated_at = now() where id = $1 and status = 'connected'", [m.channelId]);

  if (i.outcomeUnknown) {
    // Meta may have accepted it. Not resent (a customer would get it twice); the worker refunds it
    // after the grace period unless a status webhook ties a wamid to it first.
    await serviceQuery("update public.messages set error_code = $2, error_title = $3, updated_at = now() where id = $1 and status = 'pending'", [
      m.messageId,
      error.code,
      error.title,
    ]);
    return { status: "pending", wamid: null, refunded: false, balancePaise: null, error };
  }
  const policy = sendPolicy();
  if (err.retryable && m.attempts < policy.maxAttempts) {
    const delayMs = Math.round(policy.baseDelayMs * 2 ** (m.attempts - 1) * (1 + Math.random() * 0.2));
    await serviceQuery(
      `update public.messages set attempt_started_at = null, next_attempt_at = now() + make_interval(secs => $2::double precision / 1000),
         error_code = $3, error_title = $4, updated_at = now()
       where id = $1 and status = 'pending'`,
      [m.messageId, delayMs, error.code, error.title],
    );
    return { status: "pending", wamid: null, refunded: false, balancePaise: null, error };
  }
  const refund = err.failureClass === "refundable";
  const settled = await failMessage(m.messageId, error.code, error.title, refund);
  return { status: "failed", wamid: null, refunded: settled.refunded, balancePaise: settled.balancePaise, error };
}

/** Marks a pending message failed, refunding its fee when asked (idempotent: private.send_fail). */
export async function failMessage(messageId: string, code: number | null, title: string, refund: boolean) {
  const { rows } = await serviceQuery<{ applied: boolean; refunded: boolean; balance_paise: number | null }>(
    "select * from private.send_fail($1, $2, $3, $4)",
    [messageId, code, title, refund],
  );
  return { applied: rows[0].applied, refunded: rows[0].refunded, balancePaise: rows[0].balance_paise };
}
