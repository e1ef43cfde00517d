import { afterAll, describe, expect, it } from "vitest";
import type { AutoReplyInput, AutoReplySend } from "../../lib/automations/auto-reply";
import { closePools } from "../../lib/db/pool";
import { withService } from "../../lib/db/tx";
import { ApiError } from "../../lib/http/errors";
import { debit, getBalance, references } from "../../lib/wallet/wallet";
import { signMetaPayload } from "../../lib/whatsapp/signature";
import { combineChanges, combineEntries, inboundImagePayload, inboundTextPayload, statusPayload } from "../../lib/whatsapp/webhook-payloads";
import { MAX_ATTEMPTS, processWebhookEvents, sweepWebhookEvents } from "../../lib/whatsapp/webhook-process";
import { receiveWebhook } from "../../lib/whatsapp/webhook-receive";
import { receiveSignedWebhook } from "../../lib/whatsapp/webhook";
import { makeOrgWithChannel, makeOutbound, shuffle, waId, wamid } from "../helpers/webhook";

// Processing with an injected send (the send pipeline's stand-in): the fake keeps the one property
// the processor relies on — messages.reply_to_message_id is unique, so a repeat sends and charges
// nothing — and charges the organization's fee through the wallet like the real one.

afterAll(closePools);

function fakeSend(opts: { fail?: Error } = {}) {
  const calls: AutoReplyInput[] = [];
  const send: AutoReplySend = async (input) => {
    calls.push(input);
    if (opts.fail) throw opts.fail;
    return withService(async (db) => {
      const { rows } = await db.query<{ id: string }>(
        `insert into public.messages (org_id, channel_id, direction, type, status, text, reply_to_message_id)
         values ($1, $2, 'outbound', 'text', 'sent', $3, $4)
         on conflict (reply_to_message_id) where reply_to_message_id is not null do nothing returning id`,
        [input.orgId, input.channelId, input.message.text.body, input.replyToMessageId],
      );
      if (!rows[0]) return { duplicate: true };
      const fee = await db.query<{ fee: number }>("select service_fee_paise as fee from public.organizations where id = $1", [input.orgId]);
      const r = await debit(db, { orgId: input.orgId, amountPaise: fee.rows[0].fee, reference: references.messageDebit(rows[0].id), messageId: rows[0].id });
      if (!r.ok) throw new ApiError(402, "insufficient_balance", "Not enough money in the wallet");
      return { id: rows[0].id };
    });
  };
  return { calls, send };
}

async function addRule(orgId: string, r: { keyword: string; match_type?: string; reply?: string; priority?: number; enabled?: boolean }) {
  await withService((db) =>
    db.query(
      `insert into public.automation_rules (org_id, name, match_type, keyword, reply_text, priority, enabled)
       values ($1, $2, $3, $4, $5, $6, $7)`,
      [orgId, `rule ${r.keyword}`, r.match_type ?? "exact", r.keyword, r.reply ?? `reply to ${r.keyword}`, r.priority ?? 100, r.enabled ?? true],
    ),
  );
}

async function counts(orgId: string) {
  const { rows } = await withService((db) =>
    db.query<{ inbound: number; replies: number; contacts: number; debits: number; events: number; unprocessed: number }>(
      `select
         (select count(*)::int from public.messages where org_id = $1 and direction = 'inbound') as inbound,
         (select count(*)::int from public.messages where org_id = $1 and direction = 'outbound' and reply_to_message_id is not null) as replies,
         (select count(*)::int from public.contacts where org_id = $1) as contacts,
         (select count(*)::int from public.wallet_transactions where org_id = $1 and kind = 'debit') as debits,
         (select count(*)::int from public.webhook_events where org_id = $1) as events,
         (select count(*)::int from public.webhook_events where org_id = $1 and processed_at is null) as unprocessed`,
      [orgId],
    ),
  );
  return rows[0];
}

const sign = (payload: unknown) => {
  const raw = JSON.stringify(payload);
  return { raw, sig: signMetaPayload(raw, process.env.META_APP_SECRET!) };
};

describe("auto-replies (injected send)", () => {
  it("replies once with the first matching rule by priority; not to other texts, media, keywords or opted-out contacts", async () => {
    const org = await makeOrgWithChannel({ balancePaise: 1_000 });
    await addRule(org.orgId, { keyword: "price", match_type: "contains", reply: "Prices: ...", priority: 20 });
    await addRule(org.orgId, { keyword: "PRICE LIST", match_type: "starts_with", reply: "The list", priority: 10 });
    await addRule(org.orgId, { keyword: "hours", reply: "9 to 5", priority: 1, enabled: false });
    const alice = waId();
    const bob = waId();
    const payload = combineChanges(
      inboundTextPayload(org.channel.meta, { from: alice, wamid: wamid(), text: "price list please" }),
      inboundTextPayload(org.channel.meta, { from: alice, wamid: wamid(), text: "what is the PRICE?" }),
      inboundTextPayload(org.channel.meta, { from: alice, wamid: wamid(), text: "hours" }),
      inboundTextPayload(org.channel.meta, { from: alice, wamid: wamid(), text: "thanks" }),
      inboundImagePayload(org.channel.meta, { from: alice, wamid: wamid(), mediaId: "m1", caption: "price" }),
      inboundTextPayload(org.channel.meta, { from: bob, wamid: wamid(), text: "STOP" }),
    );
    const { pendingIds } = await receiveWebhook(JSON.stringify(payload));
    expect(pendingIds).toHaveLength(6);
    const fake = fakeSend();
    expect(await processWebhookEvents({ ids: pendingIds, send: fake.send })).toBe(6);
    expect(fake.calls.map((c) => c.message.text.body).sort()).toEqual(["Prices: ...", "The list"]);
    expect(fake.calls.every((c) => c.to === alice && c.source === "auto_reply" && c.channelId === org.channel.id)).toBe(true);

    // Bob opted out: a message that matches a rule gets no reply.
    const later = await receiveWebhook(JSON.stringify(inboundTextPayload(org.channel.meta, { from: bob, wamid: wamid(), text: "price?" })));
    await processWebhookEvents({ ids: later.pendingIds, send: fake.send });
    expect(fake.calls).toHaveLength(2);
    const c = await counts(org.orgId);
    expect(c).toMatchObject({ inbound: 7, replies: 2, debits: 2, unprocessed: 0 });
  });

  it("a payload delivered three times, in random order and concurrently, leaves one message, one contact, one reply, one charge", async () => {
    const org = await makeOrgWithChannel({ balancePaise: 1_000, feePaise: 25 });
    await addRule(org.orgId, { keyword: "hi", reply: "Hello!" });
    const from = waId();
    const payloads = [0, 1, 2].map(() => inboundTextPayload(org.channel.meta, { from, wamid: wamid(), text: "Hi", profileName: "Ravi" }));
    const deliveries = shuffle([...payloads, ...payloads, ...payloads]).map(sign);
    const fake = fakeSend();
    // Each delivery is received and processed concurrently with the others, as three app instances would.
    await Promise.all(
      deliveries.map(async (d) => {
        const r = await receiveSignedWebhook(d.raw, d.sig);
        await processWebhookEvents({ ids: r.pendingIds, send: fake.send });
      }),
    );
    await sweepWebhookEvents({ orgIds: [org.orgId], send: fake.send });
    expect(await counts(org.orgId)).toMatchObject({ inbound: 3, contacts: 1, replies: 3, debits: 3, events: 3, unprocessed: 0 });
    // Each inbound message was processed once: one send attempt each.
    expect(fake.calls).toHaveLength(3);
    expect(new Set(fake.calls.map((c) => c.replyToMessageId)).size).toBe(3);
    expect(await withService((db) => getBalance(db, org.orgId))).toBe(1_000 - 3 * 25);
  });

  it("a send that fails for an unknown reason is retried later; a refusal (4xx) is recorded and not retried", async () => {
    const org = await makeOrgWithChannel({ balancePaise: 1_000 });
    await addRule(org.orgId, { keyword: "hi" });
    const a = await receiveWebhook(JSON.stringify(inboundTextPayload(org.channel.meta, { from: waId(), wamid: wamid(), text: "hi" })));
    await processWebhookEvents({ ids: a.pendingIds, send: fakeSend({ fail: new Error("socket hang up") }).send });
    const { rows: [ev] } = await withService((db) =>
      db.query<{ attempts: number; processed_at: Date | null; next_attempt_at: Date | null; last_error: string }>(
        "select attempts, processed_at, next_attempt_at, last_error from public.webhook_events where id = $1",
        [a.pendingIds[0]],
      ),
    );
    expect(ev).toMatchObject({ attempts: 1, processed_at: null, last_error: "auto-reply failed: socket hang up" });
    expect(ev.next_attempt_at!.getTime()).toBeGreaterThan(Date.now());
    // Not due yet: a sweep leaves it alone.
    const ok = fakeSend();
    await sweepWebhookEvents({ orgIds: [org.orgId], send: ok.send });
    expect(ok.calls).toHaveLength(0);
    // Due: the sweep sends it.
    await withService((db) => db.query("update public.webhook_events set next_attempt_at = now() where id = $1", [a.pendingIds[0]]));
    await sweepWebhookEvents({ orgIds: [org.orgId], send: ok.send });
    expect(ok.calls).toHaveLength(1);

    const b = await receiveWebhook(JSON.stringify(inboundTextPayload(org.channel.meta, { from: waId(), wamid: wamid(), text: "hi" })));
    await processWebhookEvents({ ids: b.pendingIds, send: fakeSend({ fail: new ApiError(402, "insufficient_balance", "Top up") }).send });
    const { rows: [eb] } = await withService((db) =>
      db.query<{ processed_at: Date | null; last_error: string }>("select processed_at, last_error from public.webhook_events where id = $1", [b.pendingIds[0]]),
    );
    expect(eb.processed_at).not.toBeNull();
    expect(eb.last_error).toMatch(/insufficient_balance/);
  });

  it("gives up after MAX_ATTEMPTS, keeping the last error", async () => {
    const org = await makeOrgWithChannel({ balancePaise: 1_000 });
    await addRule(org.orgId, { keyword: "hi" });
    const a = await receiveWebhook(JSON.stringify(inboundTextPayload(org.channel.meta, { from: waId(), wamid: wamid(), text: "hi" })));
    const failing = fakeSend({ fail: new Error("Graph API unreachable") });
    for (let i = 0; i < MAX_ATTEMPTS + 2; i++) {
      await withService((db) => db.query("update public.webhook_events set next_attempt_at = now() where id = $1", [a.pendingIds[0]]));
      await sweepWebhookEvents({ orgIds: [org.orgId], send: failing.send });
    }
    expect(failing.calls).toHaveLength(MAX_ATTEMPTS);
    const { rows: [ev] } = await withService((db) =>
      db.query<{ attempts: number; processed_at: Date | null; last_error: string }>(
        "select attempts, processed_at, last_error from public.webhook_events where id = $1",
        [a.pendingIds[0]],
      ),
    );
    expect(ev).toMatchObject({ attempts: MAX_ATTEMPTS, last_error: "auto-reply failed: Graph API unreachable" });
    expect(ev.processed_at).not.toBeNull();
  });
});

describe("what is left for the slow half", () => {
  it("only inbound messages of organizations with an enabled rule, failed statuses and statuses without their message", async () => {
    const quiet = await makeOrgWithChannel({ balancePaise: 1_000 });
    const busy = await makeOrgWithChannel();
    await addRule(busy.orgId, { keyword: "hi" });
    await addRule(quiet.orgId, { keyword: "hi", enabled: false });
    const out = await makeOutbound(quiet);
    const r = await receiveWebhook(
      JSON.stringify(
        combineEntries(
          inboundTextPayload(quiet.channel.meta, { from: waId(), wamid: wamid(), text: "hi" }),
          inboundTextPayload(busy.channel.meta, { from: waId(), wamid: wamid(), text: "hi" }),
          statusPayload(quiet.channel.meta, { wamid: out.wamid, recipientId: out.to, status: "delivered" }),
          statusPayload(quiet.channel.meta, { wamid: out.wamid, recipientId: out.to, status: "read" }),
          statusPayload(quiet.channel.meta, { wamid: out.wamid, recipientId: out.to, status: "failed", error: { code: 131026, title: "x" } }),
          statusPayload(quiet.channel.meta, { wamid: wamid(), recipientId: out.to, status: "sent" }),
        ),
      ),
    );
    expect(r).toMatchObject({ events: 6, stored: 6 });
    const { rows } = await withService((db) =>
      db.query<{ kind: string; org_id: string; pending: boolean; status: string | null }>(
        `select kind, org_id, processed_at is null as pending, payload #>> '{status,status}' as status
         from public.webhook_events where id = any($1) order by id`,
        [r.pendingIds],
      ),
    );
    expect(rows.map((x) => [x.kind, x.org_id === busy.orgId ? "busy" : "quiet", x.status])).toEqual(
      expect.arrayContaining([
        ["message", "busy", null],
        ["status", "quiet", "failed"],
        ["status", "quiet", "sent"],
      ]),
    );
    expect(rows).toHaveLength(3);
    // The forward statuses were applied while storing: the message is read already.
    const { rows: m } = await withService((db) => db.query<{ status: string }>("select status from public.messages where wamid = $1", [out.wamid]));
    expect(m[0].status).toBe("read");
  });
});

describe("a poisonous event", () => {
  it("fails alone: the rest of its batch is processed, and its failure counts against it", async () => {
    const org = await makeOrgWithChannel({ balancePaise: 1_000 });
    await addRule(org.orgId, { keyword: "hi" });
    const [good, bad] = [await makeOutbound(org), await makeOutbound(org)];
    // An error code beyond the integer column's range: the UPDATE fails inside the batch transaction.
    const poison = statusPayload(org.channel.meta, { wamid: bad.wamid, recipientId: bad.to, status: "failed", error: { code: 1e12, title: "?" } });
    const ids = [
      ...(await receiveWebhook(JSON.stringify(statusPayload(org.channel.meta, { wamid: good.wamid, recipientId: good.to, status: "failed", error: { code: 131026, title: "Message undeliverable" } })))).pendingIds,
      ...(await receiveWebhook(JSON.stringify(poison))).pendingIds,
      ...(await receiveWebhook(JSON.stringify(inboundTextPayload(org.channel.meta, { from: waId(), wamid: wamid(), text: "hi" })))).pendingIds,
    ];
    expect(await processWebhookEvents({ ids, send: fakeSend().send })).toBe(3);
    const { rows } = await withService((db) =>
      db.query<{ id: number; attempts: number; processed: boolean; last_error: string | null }>(
        "select id, attempts, processed_at is not null as processed, last_error from public.webhook_events where id = any($1) order by id",
        [ids],
      ),
    );
    expect(rows.map((r) => [r.attempts, r.processed])).toEqual([[1, true], [1, false], [1, true]]);
    expect(rows[1].last_error).toMatch(/out of range/);
    const { rows: m } = await withService((db) => db.query<{ status: string }>("select status from public.messages where wamid = $1", [good.wamid]));
    expect(m[0].status).toBe("failed");
  });
});

describe("the sweep after a crash between persist and processing", () => {
  it("two racing sweeps process every left-over event exactly once: one reply per message, one refund per failure", async () => {
    const org = await makeOrgWithChannel({ balancePaise: 10_000 });
    await addRule(org.orgId, { keyword: "order", match_type: "contains", reply: "We got your order" });
    const outs = await Promise.all(Array.from({ length: 20 }, () => makeOutbound(org, { feePaise: 20 })));
    const inbound = Array.from({ length: 60 }, (_, i) =>
      inboundTextPayload(org.channel.meta, { from: waId(), wamid: wamid(), text: i % 2 ? `order #${i}` : "just saying hi" }),
    );
    const statuses = outs.map((o) => statusPayload(org.channel.meta, { wamid: o.wamid, recipientId: o.to, status: "failed", error: { code: 131000, title: "Something went wrong" } }));
    // The "crash": events persisted (as the route does before answering), processing never ran.
    for (const p of [...inbound, ...statuses]) await receiveWebhook(JSON.stringify(p));
    expect((await counts(org.orgId)).unprocessed).toBe(80);
    const balanceBefore = await withService((db) => getBalance(db, org.orgId));

    const fake = fakeSend();
    const [n1, n2] = await Promise.all([
      sweepWebhookEvents({ orgIds: [org.orgId], send: fake.send, batchSize: 7 }),
      sweepWebhookEvents({ orgIds: [org.orgId], send: fake.send, batchSize: 7 }),
    ]);
    expect(n1 + n2).toBe(80);
    expect(fake.calls).toHaveLength(30);
    expect(new Set(fake.calls.map((c) => c.replyToMessageId)).size).toBe(30);
    const { rows } = await withService((db) =>
      db.query<{ attempts: number; n: number }>(
        "select attempts, count(*)::int as n from public.webhook_events where org_id = $1 group by attempts",
        [org.orgId],
      ),
    );
    expect(rows).toEqual([{ attempts: 1, n: 80 }]);
    const { rows: ref } = await withService((db) =>
      db.query<{ n: number }>("select count(*)::int as n from public.wallet_transactions where org_id = $1 and kind = 'refund'", [org.orgId]),
    );
    expect(ref[0].n).toBe(20);
    // 20 refunds of 20 back, 30 replies of 20 charged.
    expect(await withService((db) => getBalance(db, org.orgId))).toBe(balanceBefore! + 20 * 20 - 30 * 20);
    // A third sweep finds nothing.
    expect(await sweepWebhookEvents({ orgIds: [org.orgId], send: fake.send })).toBe(0);
  });

  it("processing the same ids from two places at once handles each event once", async () => {
    const org = await makeOrgWithChannel({ balancePaise: 1_000 });
    await addRule(org.orgId, { keyword: "yo" });
    const ids: number[] = [];
    for (let i = 0; i < 10; i++) {
      ids.push(...(await receiveWebhook(JSON.stringify(inboundTextPayload(org.channel.meta, { from: waId(), wamid: wamid(), text: "yo" })))).pendingIds);
    }
    const fake = fakeSend();
    const handled = await Promise.all([
      processWebhookEvents({ ids, send: fake.send }),
      processWebhookEvents({ ids, send: fake.send }),
      sweepWebhookEvents({ orgIds: [org.orgId], send: fake.send }),
    ]);
    expect(handled.reduce((a, b) => a + b, 0)).toBe(10);
    expect(fake.calls).toHaveLength(10);
  });
});
