import { channelTokenContext, decryptSecret } from "../crypto/secrets";
import { serviceQuery } from "../db/service-query";
import { inLanes } from "../jobs/lanes";
import { logger } from "../log";
import { deliver, failMessage, sendPolicy } from "./send";

// Crash reconciliation and retries: a charged message must end sent or refunded. The worker claims
// due `pending` messages (FOR UPDATE SKIP LOCKED, so any number of workers can run) and:
//   - never attempted (queued, or scheduled for a retry after Meta definitely refused it:
//     throttling, 5xx, connection refused) → sends it now;
//   - attempted, with the call's outcome unknown (the process died mid-call, or the answer timed
//     out) → refunds it and marks it failed. Meta's send endpoint has no idempotency key, so a
//     resend could reach the customer twice; we prefer a refund. The request carried our message
//     id as biz_opaque_callback_data, so a status webhook can still tie a wamid to it;
//   - out of attempts → refunds it with Meta's last error.

interface Claimed {
  id: string;
  channel_id: string | null;
  content: Record<string, unknown>;
  attempts: number;
  started_before: Date | null;
  attempts_before: number;
  error_code: number | null;
  error_title: string | null;
}

/** One sweep; returns how many messages it settled or sent. */
export async function reconcilePendingSends(opts: { limit?: number; concurrency?: number } = {}): Promise<number> {
  const policy = sendPolicy();
  const { rows } = await serviceQuery<Claimed>(
    `with due as (
       select m.id, m.attempt_started_at as started_before, m.attempts as attempts_before
       from public.messages m
       where m.status = 'pending' and m.direction = 'outbound' and m.next_attempt_at <= now()
       order by m.next_attempt_at
       limit $1
       for update skip locked
     )
     update public.messages m set
       attempts = m.attempts + case when due.started_before is null then 1 else 0 end,
       attempt_started_at = coalesce(due.started_before, now()),
       next_attempt_at = now() + make_interval(secs => $2),
       updated_at = now()
     from due where m.id = due.id
     returning m.id, m.channel_id, m.content, m.attempts, due.started_before, due.attempts_before, m.error_code, m.error_title`,
    [opts.limit ?? 200, policy.unknownOutcomeGraceSeconds],
  );
  if (!rows.length) return 0;

  const channelIds = [...new Set(rows.map((r) => r.channel_id).filter((x): x is string => Boolean(x)))];
  const { rows: channels } = await serviceQuery<{ id: string; status: string; phone_number_id: string; access_token_encrypted: string | null }>(
    "select id, status, phone_number_id, access_token_encrypted from public.channels where id = any($1::uuid[])",
    [channelIds],
  );
  const byId = new Map(channels.map((c) => [c.id, c]));

  const handle = async (r: Claimed) => {
    if (r.started_before) {
      await failMessage(r.id, r.error_code, "No answer from Meta (the sending process stopped or timed out); refunded. It may still have been delivered.", true);
      return;
    }
    if (r.attempts_before >= policy.maxAttempts) {
      await failMessage(r.id, r.error_code, r.error_title ?? `Not sent after ${r.attempts_before} attempts`, true);
      return;
    }
    const ch = r.channel_id ? byId.get(r.channel_id) : undefined;
    if (!ch || ch.status !== "connected" || !ch.access_token_encrypted) {
      await failMessage(r.id, r.error_code, "The channel is no longer connected; refunded", true);
      return;
    }
    let token: string;
    try {
      token = decryptSecret(ch.access_token_encrypted, channelTokenContext(ch.id));
    } catch {
      await failMessage(r.id, null, "The channel's access token could not be decrypted; refunded", true);
      return;
    }
    await deliver({ messageId: r.id, channelId: ch.id, phoneNumberId: ch.phone_number_id, token, content: r.content, attempts: r.attempts });
  };

  // A few at a time: each may wait on Meta.
  await inLanes(rows, opts.concurrency ?? 8, (r) =>
    handle(r).catch((err: unknown) => logger.error({ messageId: r.id, err: (err as Error).message }, "reconcile failed")),
  );
  return rows.length;
}

export const reconcileSendsJob = {
  name: "messaging.reconcile-sends",
  intervalMs: 5_000,
  run: () => reconcilePendingSends(),
};
