import { randomInt } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as webhookRoute from "../../app/api/webhook/route";
import { connectSandboxChannel } from "../../lib/channels/channels";
import { resetEnvCache } from "../../lib/config/env";
import { closePools } from "../../lib/db/pool";
import { withService } from "../../lib/db/tx";
import { MAGIC, startSandboxGraphServer, type SandboxGraphServer } from "../../lib/sandbox/graph-server";
import { credit, getBalance } from "../../lib/wallet/wallet";
import { inboundTextPayload } from "../../lib/whatsapp/webhook-payloads";
import { sweepWebhookEvents } from "../../lib/whatsapp/webhook-process";
import { receiveWebhook } from "../../lib/whatsapp/webhook-receive";
import { makeOrg } from "../helpers/factories";
import { serveRoutes } from "../helpers/serve-routes";
import { postWebhook, shuffle, waitProcessed, wamid } from "../helpers/webhook";

// Auto-replies end to end with the real send pipeline: our webhook route over HTTP, sendMessage
// through the live Graph client to the sandbox Graph API, which posts signed sent/delivered/read
// statuses back to the same webhook.

let app: Awaited<ReturnType<typeof serveRoutes>>;
let graph: SandboxGraphServer;
beforeAll(async () => {
  app = await serveRoutes({ "/api/webhook": webhookRoute });
  graph = await startSandboxGraphServer({ appWebhookUrl: `${app.url}/api/webhook`, appSecret: process.env.META_APP_SECRET!, statusDelayMs: 5 });
  process.env.GRAPH_API_URL = graph.url;
  process.env.SEND_RETRY_BASE_MS = "0";
  resetEnvCache();
});
afterAll(async () => {
  await graph.flush();
  await graph.stop();
  await app.close();
  await closePools();
});

/** A customer number the sandbox treats as ordinary (none of its failure suffixes), unless given one. */
const customer = (suffix = "5555") => `91${randomInt(70_000, 99_999)}${randomInt(0, 9)}${suffix}`;

async function tenant(opts: { balancePaise?: number; feePaise?: number } = {}) {
  const org = await makeOrg({ feePaise: opts.feePaise ?? 20 });
  const channel = await connectSandboxChannel({ orgId: org.orgId, displayPhone: `+91 98${randomInt(100, 999)} ${randomInt(10_000, 99_999)}` });
  if (opts.balancePaise) await withService((db) => credit(db, { orgId: org.orgId, amountPaise: opts.balancePaise!, reference: `test:${wamid()}` }));
  await withService((db) =>
    db.query(
      `insert into public.automation_rules (org_id, name, match_type, keyword, reply_text, priority)
       values ($1, 'Greeting', 'exact', 'hi', 'Hello! How can we help?', 10), ($1, 'Price', 'contains', 'price', 'See our prices', 20)`,
      [org.orgId],
    ),
  );
  const meta = { phoneNumberId: channel.phone_number_id, displayPhoneNumber: channel.display_phone_number };
  return { ...org, channel, meta };
}

async function counts(orgId: string) {
  const { rows } = await withService((db) =>
    db.query<{ inbound: number; contacts: number; replies: number; debits: number; refunds: number; read: number }>(
      `select
         (select count(*)::int from public.messages where org_id = $1 and direction = 'inbound') as inbound,
         (select count(*)::int from public.contacts where org_id = $1) as contacts,
         (select count(*)::int from public.messages where org_id = $1 and direction = 'outbound' and reply_to_message_id is not null) as replies,
         (select count(*)::int from public.wallet_transactions where org_id = $1 and kind = 'debit') as debits,
         (select count(*)::int from public.wallet_transactions where org_id = $1 and kind = 'refund') as refunds,
         (select count(*)::int from public.messages where org_id = $1 and direction = 'outbound' and status = 'read') as read`,
      [orgId],
    ),
  );
  return rows[0];
}

const sentTo = (to: string) => graph.state.sent.filter((s) => s.to === to && s.wamid);

describe("auto-replies through the real send pipeline", () => {
  it("each payload delivered three times, in random order and concurrently: one message, one contact, one reply, one charge", async () => {
    const t = await tenant({ balancePaise: 1_000, feePaise: 25 });
    const from = customer();
    const payloads = ["hi", "what's the price?", "HI"].map((text) => inboundTextPayload(t.meta, { from, wamid: wamid(), text, profileName: "Ravi" }));
    const res = await Promise.all(shuffle([...payloads, ...payloads, ...payloads]).map((p) => postWebhook(app.url, p)));
    expect(res.map((r) => r.status)).toEqual(Array(9).fill(200));
    await waitProcessed(payloads.map((p) => `msg:${idOf(p)}`));
    await graph.flush();

    expect(await counts(t.orgId)).toMatchObject({ inbound: 3, contacts: 1, replies: 3, debits: 3, refunds: 0 });
    expect(sentTo(from).map((s) => (s.body.text as { body: string }).body).sort()).toEqual(["Hello! How can we help?", "Hello! How can we help?", "See our prices"]);
    expect(await withService((db) => getBalance(db, t.orgId))).toBe(1_000 - 3 * 25);
    // The sandbox's sent/delivered/read statuses came back through the webhook.
    await waitFor(async () => (await counts(t.orgId)).read === 3);
  });

  it("a crash between storing and processing: two racing sweeps send each reply once", async () => {
    const t = await tenant({ balancePaise: 1_000 });
    const senders = Array.from({ length: 8 }, () => customer());
    for (const from of senders) await receiveWebhook(JSON.stringify(inboundTextPayload(t.meta, { from, wamid: wamid(), text: "hi" })));
    await Promise.all([sweepWebhookEvents({ orgIds: [t.orgId], batchSize: 3 }), sweepWebhookEvents({ orgIds: [t.orgId], batchSize: 3 })]);
    // And once more, as if a worker retried everything: nothing new is sent or charged.
    await withService((db) => db.query("update public.webhook_events set processed_at = null where org_id = $1", [t.orgId]));
    await sweepWebhookEvents({ orgIds: [t.orgId] });
    await graph.flush();
    expect(await counts(t.orgId)).toMatchObject({ inbound: 8, replies: 8, debits: 8 });
    for (const from of senders) expect(sentTo(from)).toHaveLength(1);
  });

  it("no reply to opted-out contacts, nor to the STOP itself; START opts back in", async () => {
    const t = await tenant({ balancePaise: 1_000 });
    const from = customer();
    for (const text of ["STOP", "hi"]) {
      const p = inboundTextPayload(t.meta, { from, wamid: wamid(), text });
      await postWebhook(app.url, p);
    }
    await sweepWebhookEvents({ orgIds: [t.orgId] });
    expect(sentTo(from)).toHaveLength(0);
    const start = inboundTextPayload(t.meta, { from, wamid: wamid(), text: "START" });
    const hi = inboundTextPayload(t.meta, { from, wamid: wamid(), text: "hi" });
    await postWebhook(app.url, start);
    await postWebhook(app.url, hi);
    await waitProcessed([`msg:${idOf(hi)}`]);
    expect(sentTo(from)).toHaveLength(1);
    expect(await counts(t.orgId)).toMatchObject({ inbound: 4, replies: 1, debits: 1 });
  });

  it("a reply Meta fails later (undeliverable) keeps the fee; with no balance the reply is refused and recorded", async () => {
    const t = await tenant({ balancePaise: 20 });
    const doomed = customer(MAGIC.failsLater);
    const p = inboundTextPayload(t.meta, { from: doomed, wamid: wamid(), text: "hi" });
    await postWebhook(app.url, p);
    await waitProcessed([`msg:${idOf(p)}`]);
    await graph.flush();
    await waitFor(async () => {
      const { rows } = await withService((db) =>
        db.query<{ status: string }>("select status from public.messages where org_id = $1 and direction = 'outbound'", [t.orgId]),
      );
      return rows[0]?.status === "failed";
    });
    const { rows: [reply] } = await withService((db) =>
      db.query<{ error_code: number; refunded: boolean }>("select error_code, refunded from public.messages where org_id = $1 and direction = 'outbound'", [t.orgId]),
    );
    expect(reply).toEqual({ error_code: 131026, refunded: false });
    expect(await withService((db) => getBalance(db, t.orgId))).toBe(0);

    // The wallet is empty now: the next reply is refused (402), recorded on the event, not retried.
    const q = inboundTextPayload(t.meta, { from: customer(), wamid: wamid(), text: "hi" });
    const eventId = `msg:${idOf(q)}`;
    await postWebhook(app.url, q);
    await waitProcessed([eventId]);
    const { rows: [ev] } = await withService((db) =>
      db.query<{ last_error: string; attempts: number }>("select last_error, attempts from public.webhook_events where event_id = $1", [eventId]),
    );
    expect(ev.attempts).toBe(1);
    expect(ev.last_error).toMatch(/auto-reply refused/);
    expect(await counts(t.orgId)).toMatchObject({ inbound: 2, replies: 1, debits: 1, refunds: 0 });
  });
});

const idOf = (p: unknown) => (p as { entry: [{ changes: [{ value: { messages: [{ id: string }] } }] }] }).entry[0].changes[0].value.messages[0].id;

async function waitFor(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 25));
  }
}
