import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { closePools } from "../lib/db/pool";
import { withService } from "../lib/db/tx";
import { debit, credit } from "../lib/wallet/wallet";
import { backoffSeconds, deliverDueWebhooks, deliverNow, type DeliveryOptions } from "../lib/webhooks/delivery";
import { createEndpoint, retryDelivery, rotateEndpointSecret, sendTestEvent, updateEndpoint } from "../lib/webhooks/endpoints";
import { emitEvent, eventIds, type MessageReceivedData, type WebhookEventType } from "../lib/webhooks/events";
import { verifyWebhookSignature } from "../lib/webhooks/signature";
import { makeOrg } from "./helpers/factories";
import { closedPort, startReceiver } from "./helpers/webhook-receiver";

afterAll(closePools);

const sandbox = { allowLoopback: true };
const ALL: WebhookEventType[] = ["message.received", "message.status", "wallet.low_balance"];

function received(wamid = `wamid.${randomUUID()}`): MessageReceivedData {
  return {
    message_id: randomUUID(),
    wamid,
    channel_id: null,
    contact_id: null,
    from: "919800000001",
    profile_name: "Asha",
    type: "text",
    text: "Hello",
    content: { text: { body: "Hello" } },
    timestamp: new Date().toISOString(),
  };
}

async function emitReceived(orgId: string, wamid = `wamid.${randomUUID()}`) {
  return withService((db) => emitEvent(db, { orgId, type: "message.received", id: eventIds.messageReceived(wamid), data: received(wamid) }));
}

interface Row {
  id: number;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  payload: Record<string, unknown>;
  status: string;
  attempts: number;
  next_attempt_at: Date | null;
  retry_until: Date;
  created_at: Date;
  last_attempt_at: Date | null;
  last_status_code: number | null;
  last_error: string | null;
  last_response_snippet: string | null;
  delivered_at: Date | null;
}

async function rows(orgId: string): Promise<Row[]> {
  const r = await withService((db) => db.query<Row>("select * from public.webhook_deliveries where org_id = $1 order by id", [orgId]));
  return r.rows;
}

const run = (orgId: string, o: DeliveryOptions = {}) => deliverDueWebhooks({ orgIds: [orgId], policy: sandbox, ...o });

describe("emitEvent (outbox)", () => {
  it("queues one delivery per enabled endpoint subscribed to the type, in that organization only, once per event id", async () => {
    const a = await makeOrg();
    const b = await makeOrg();
    const both = await createEndpoint({ orgId: a.orgId, url: "https://one.example.com/h", events: ["message.received", "message.status"] });
    const statusOnly = await createEndpoint({ orgId: a.orgId, url: "https://two.example.com/h", events: ["message.status"] });
    const off = await createEndpoint({ orgId: a.orgId, url: "https://three.example.com/h", events: ALL });
    await updateEndpoint({ orgId: a.orgId, id: off.endpoint.id, enabled: false });
    const other = await createEndpoint({ orgId: b.orgId, url: "https://four.example.com/h", events: ALL });

    const wamid = `wamid.${randomUUID()}`;
    expect(await emitReceived(a.orgId, wamid)).toBe(1);
    expect(await emitReceived(a.orgId, wamid)).toBe(0); // Meta retried the webhook: nothing new
    const status = { message_id: randomUUID(), wamid, channel_id: null, recipient: "9198", status: "read" as const, timestamp: "t", error: null };
    expect(await withService((db) => emitEvent(db, { orgId: a.orgId, type: "message.status", id: eventIds.messageStatus(wamid, "read"), data: status }))).toBe(2);

    const list = await rows(a.orgId);
    expect(list.map((r) => [r.endpoint_id, r.event_type]).sort()).toEqual(
      [
        [both.endpoint.id, "message.received"],
        [both.endpoint.id, "message.status"],
        [statusOnly.endpoint.id, "message.status"],
      ].sort(),
    );
    expect(list.every((r) => r.status === "pending" && r.attempts === 0)).toBe(true);
    expect(list.find((r) => r.event_type === "message.received")!.payload).toMatchObject({ wamid, from: "919800000001", text: "Hello" });
    expect((await rows(b.orgId)).length).toBe(0);
    expect(other.endpoint.id).toBeTruthy();
  });

  it("commits or rolls back with the caller's transaction", async () => {
    const a = await makeOrg();
    await createEndpoint({ orgId: a.orgId, url: "https://one.example.com/h", events: ALL });
    await expect(
      withService(async (db) => {
        await emitEvent(db, { orgId: a.orgId, type: "message.received", id: eventIds.messageReceived("wamid.rolled-back"), data: received() });
        throw new Error("the change that caused the event failed");
      }),
    ).rejects.toThrow(/failed/);
    expect(await rows(a.orgId)).toEqual([]);
  });

  it("costs nothing for an organization without endpoints", async () => {
    const a = await makeOrg();
    expect(await emitReceived(a.orgId)).toBe(0);
    expect(await rows(a.orgId)).toEqual([]);
  });

  it("a wallet debit that crosses the low-balance threshold queues wallet.low_balance in the same transaction, once", async () => {
    const a = await makeOrg();
    const ep = await createEndpoint({ orgId: a.orgId, url: "https://one.example.com/h", events: ["wallet.low_balance"] });
    await withService((db) => credit(db, { orgId: a.orgId, amountPaise: 10_050, reference: `test:${randomUUID()}` }));
    const first = await withService((db) => debit(db, { orgId: a.orgId, amountPaise: 100, reference: `msg:${randomUUID()}` }));
    await withService((db) => debit(db, { orgId: a.orgId, amountPaise: 100, reference: `msg:${randomUUID()}` }));
    expect(first.crossedLowBalance).toBe(true);
    const list = await rows(a.orgId);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      endpoint_id: ep.endpoint.id,
      event_type: "wallet.low_balance",
      event_id: eventIds.walletLowBalance(first.transactionId!),
      payload: { balance_paise: 9_950, threshold_paise: 10_000, transaction_id: first.transactionId },
    });
  });
});

describe("delivery worker", () => {
  it("POSTs the event signed with the endpoint's secret, and records the success", async () => {
    const rx = await startReceiver(() => ({ status: 202, body: "thanks" }));
    try {
      const a = await makeOrg();
      const { endpoint, secret } = await createEndpoint({ orgId: a.orgId, url: `${rx.url}/hooks?x=1`, events: ALL });
      const wamid = `wamid.${randomUUID()}`;
      await emitReceived(a.orgId, wamid);
      expect(await run(a.orgId)).toBe(1);

      expect(rx.received).toHaveLength(1);
      const r = rx.received[0];
      expect(r.path).toBe("/hooks?x=1");
      expect(r.headers["content-type"]).toBe("application/json");
      expect(r.headers["x-webhook-id"]).toBe(eventIds.messageReceived(wamid));
      expect(r.headers["x-webhook-event"]).toBe("message.received");
      expect(verifyWebhookSignature(r.body, r.headers as Record<string, string>, secret)).toBe(true);
      expect(verifyWebhookSignature(r.body + " ", r.headers as Record<string, string>, secret)).toBe(false);
      expect(JSON.parse(r.body)).toMatchObject({ id: eventIds.messageReceived(wamid), type: "message.received", data: { wamid, text: "Hello" } });

      const [row] = await rows(a.orgId);
      expect(row).toMatchObject({ endpoint_id: endpoint.id, status: "succeeded", attempts: 1, last_status_code: 202, last_error: null });
      expect(row.last_response_snippet).toBe("thanks");
      expect(row.next_attempt_at).toBeNull();
      expect(row.delivered_at).toBeInstanceOf(Date);
      expect(await run(a.orgId)).toBe(0); // nothing left
    } finally {
      await rx.close();
    }
  });

  it("retries a 500 with growing backoff (no sleeping: the clock is injected) and stops once it succeeds", async () => {
    let answer = 500;
    const rx = await startReceiver(() => answer);
    try {
      const a = await makeOrg();
      await createEndpoint({ orgId: a.orgId, url: rx.url, events: ALL });
      await emitReceived(a.orgId);
      let now = new Date();
      const gaps: number[] = [];
      for (let i = 1; i <= 4; i++) {
        expect(await run(a.orgId, { now: () => now, random: () => 0.5 })).toBe(1);
        const [row] = await rows(a.orgId);
        expect(row).toMatchObject({ status: "failed", attempts: i, last_status_code: 500, last_error: "HTTP 500" });
        gaps.push((row.next_attempt_at!.getTime() - now.getTime()) / 1000);
        // Not due before its time...
        expect(await run(a.orgId, { now: () => new Date(row.next_attempt_at!.getTime() - 1000) })).toBe(0);
        now = row.next_attempt_at!;
      }
      expect(gaps).toEqual([30, 60, 120, 240]);
      answer = 200;
      expect(await run(a.orgId, { now: () => now })).toBe(1);
      expect((await rows(a.orgId))[0]).toMatchObject({ status: "succeeded", attempts: 5, last_status_code: 200 });
      expect(rx.received).toHaveLength(5);
      // The body is the same on every attempt, so receivers can deduplicate on X-Webhook-Id.
      expect(new Set(rx.received.map((r) => r.body)).size).toBe(1);
      expect(rx.received.map((r) => r.headers["x-webhook-attempt"])).toEqual(["1", "2", "3", "4", "5"]);
    } finally {
      await rx.close();
    }
  });

  it("backoff: 30 s doubling, capped at an hour per step, with ±20% jitter", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 30].map((n) => backoffSeconds(n, () => 0.5))).toEqual([
      30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600,
    ]);
    expect(backoffSeconds(1, () => 0)).toBe(24);
    expect(backoffSeconds(1, () => 0.999999)).toBe(36);
    expect(backoffSeconds(12, () => 0.999999)).toBe(3600);
  });

  it("counts a timeout and a refused connection as failed attempts, with the reason in the log", async () => {
    const rx = await startReceiver(() => "hang");
    try {
      const a = await makeOrg();
      await createEndpoint({ orgId: a.orgId, url: `${rx.url}/slow`, events: ALL });
      await createEndpoint({ orgId: a.orgId, url: `http://127.0.0.1:${await closedPort()}/gone`, events: ALL });
      await emitReceived(a.orgId);
      expect(await run(a.orgId, { timeoutMs: 300 })).toBe(2);
      const list = await rows(a.orgId);
      const errors = list.map((r) => r.last_error).sort();
      expect(errors[0]).toMatch(/^Connection refused/);
      expect(errors[1]).toMatch(/timeout/);
      expect(list.every((r) => r.status === "failed" && r.attempts === 1 && r.last_status_code === null && r.next_attempt_at)).toBe(true);
    } finally {
      await rx.close();
    }
  });

  it("does not follow redirects and keeps only a short, printable snippet of the answer", async () => {
    const rx = await startReceiver((r) =>
      r.path === "/moved"
        ? { status: 302, headers: { location: "/target" } }
        : r.path === "/big"
          ? { status: 400, body: "\u0000bad\u0007 " + "x".repeat(20_000) }
          : 200,
    );
    try {
      const a = await makeOrg();
      await createEndpoint({ orgId: a.orgId, url: `${rx.url}/moved`, events: ALL });
      await createEndpoint({ orgId: a.orgId, url: `${rx.url}/big`, events: ALL });
      await emitReceived(a.orgId);
      await run(a.orgId);
      expect(rx.received.map((r) => r.path).sort()).toEqual(["/big", "/moved"]);
      const list = await rows(a.orgId);
      const moved = list.find((r) => r.last_status_code === 302)!;
      expect(moved).toMatchObject({ status: "failed", last_error: "HTTP 302 (redirects are not followed)" });
      const big = list.find((r) => r.last_status_code === 400)!;
      expect(big.last_response_snippet!.length).toBe(500);
      expect(big.last_response_snippet!.startsWith("bad")).toBe(true);
    } finally {
      await rx.close();
    }
  });

  it("keeps retrying for at least 24 hours, never more than an hour apart, then marks the delivery dead", async () => {
    const rx = await startReceiver(() => 503);
    try {
      const a = await makeOrg();
      await createEndpoint({ orgId: a.orgId, url: rx.url, events: ALL });
      await emitReceived(a.orgId);
      const [{ created_at, retry_until }] = await rows(a.orgId);
      expect(retry_until.getTime() - created_at.getTime()).toBe(24 * 3600_000);
      let now = new Date(Date.now() + 1000);
      const times: number[] = [];
      for (let i = 0; i < 100; i++) {
        if ((await run(a.orgId, { now: () => now })) === 0) break;
        times.push(now.getTime());
        const [row] = await rows(a.orgId);
        if (row.status === "dead") break;
        now = row.next_attempt_at!;
      }
      const [row] = await rows(a.orgId);
      expect(row).toMatchObject({ status: "dead", next_attempt_at: null, last_status_code: 503 });
      expect(row.attempts).toBe(times.length);
      expect(times.length).toBeGreaterThan(25);
      expect(times.length).toBeLessThan(40);
      const span = times[times.length - 1] - created_at.getTime();
      expect(span).toBeGreaterThanOrEqual(24 * 3600_000);
      const gaps = times.slice(1).map((t, i) => t - times[i]);
      expect(Math.max(...gaps)).toBeLessThanOrEqual(3600_000);
      expect(rx.received).toHaveLength(times.length);
      // Dead is final: later sweeps leave it alone.
      expect(await run(a.orgId, { now: () => new Date(now.getTime() + 7 * 86400_000) })).toBe(0);
    } finally {
      await rx.close();
    }
  });

  it("two workers racing over the same queue deliver each event exactly once", async () => {
    const rx = await startReceiver(() => 200);
    try {
      const a = await makeOrg();
      await createEndpoint({ orgId: a.orgId, url: `${rx.url}/one`, events: ALL });
      await createEndpoint({ orgId: a.orgId, url: `${rx.url}/two`, events: ALL });
      for (let i = 0; i < 30; i++) await emitReceived(a.orgId);
      const [w1, w2] = await Promise.all([run(a.orgId, { batchSize: 4, concurrency: 3 }), run(a.orgId, { batchSize: 4, concurrency: 3 })]);
      expect(w1 + w2).toBe(60);
      const seen = rx.received.map((r) => `${r.path} ${r.headers["x-webhook-id"]}`);
      expect(seen).toHaveLength(60);
      expect(new Set(seen).size).toBe(60);
      const list = await rows(a.orgId);
      expect(list.every((r) => r.status === "succeeded" && r.attempts === 1)).toBe(true);
    } finally {
      await rx.close();
    }
  });

  it("a claimed attempt stays invisible to other workers for its lease; after a crash it is attempted again", async () => {
    const rx = await startReceiver(() => 200);
    try {
      const a = await makeOrg();
      await createEndpoint({ orgId: a.orgId, url: `http://127.0.0.1:${await closedPort()}/`, events: ALL });
      await emitReceived(a.orgId);
      const [row] = await rows(a.orgId);
      // A worker claims the row and "dies" before recording anything: simulate the claim alone.
      await withService((db) =>
        db.query("update public.webhook_deliveries set attempts = 1, claimed_at = now(), next_attempt_at = now() + interval '120 seconds' where id = $1", [row.id]),
      );
      expect(await run(a.orgId)).toBe(0);
      expect(await deliverNow([row.id], { policy: sandbox })).toEqual([]);
      await expect(retryDelivery(a.orgId, row.id, { policy: sandbox })).rejects.toThrow(/being sent right now/);
      const later = new Date(Date.now() + 121_000);
      expect(await run(a.orgId, { now: () => later })).toBe(1);
      expect((await rows(a.orgId))[0]).toMatchObject({ attempts: 2, status: "failed" });
    } finally {
      await rx.close();
    }
  });

  it("parks deliveries of a disabled endpoint without counting attempts, and resumes them when it is enabled", async () => {
    const rx = await startReceiver(() => 200);
    try {
      const a = await makeOrg();
      const { endpoint } = await createEndpoint({ orgId: a.orgId, url: rx.url, events: ALL });
      await emitReceived(a.orgId);
      await updateEndpoint({ orgId: a.orgId, id: endpoint.id, enabled: false });
      expect(await run(a.orgId)).toBe(0);
      expect(rx.received).toHaveLength(0);
      const [parked] = await rows(a.orgId);
      expect(parked).toMatchObject({ status: "pending", attempts: 0, last_error: "The endpoint is disabled; delivery is paused" });
      expect(parked.next_attempt_at!.getTime()).toBeGreaterThan(Date.now() + 3000_000);
      await updateEndpoint({ orgId: a.orgId, id: endpoint.id, enabled: true });
      expect(await run(a.orgId)).toBe(1);
      expect((await rows(a.orgId))[0]).toMatchObject({ status: "succeeded", attempts: 1, last_error: null });
    } finally {
      await rx.close();
    }
  });

  it("signs with both secrets while a rotated-out secret is still valid, and with the new one only after", async () => {
    const rx = await startReceiver(() => 200);
    try {
      const a = await makeOrg();
      const { endpoint, secret: old } = await createEndpoint({ orgId: a.orgId, url: rx.url, events: ALL });
      const rotated = (await rotateEndpointSecret({ orgId: a.orgId, id: endpoint.id, previousValidHours: 24 }))!;
      expect(rotated.secret).not.toBe(old);
      await emitReceived(a.orgId);
      await run(a.orgId);
      const r1 = rx.received[0];
      expect(verifyWebhookSignature(r1.body, r1.headers as Record<string, string>, rotated.secret)).toBe(true);
      expect(verifyWebhookSignature(r1.body, r1.headers as Record<string, string>, old)).toBe(true);

      const again = (await rotateEndpointSecret({ orgId: a.orgId, id: endpoint.id, previousValidHours: 0 }))!;
      expect(again.previous_secret_expires_at).toBeNull();
      await emitReceived(a.orgId);
      await run(a.orgId);
      const r2 = rx.received[1];
      expect(verifyWebhookSignature(r2.body, r2.headers as Record<string, string>, again.secret)).toBe(true);
      expect(verifyWebhookSignature(r2.body, r2.headers as Record<string, string>, rotated.secret)).toBe(false);
    } finally {
      await rx.close();
    }
  });

  it("refuses at delivery time a target the policy forbids (production: loopback), without connecting", async () => {
    const rx = await startReceiver(() => 200);
    try {
      const a = await makeOrg();
      // Saved while sandbox mode allowed it; the server has since gone to production.
      await createEndpoint({ orgId: a.orgId, url: rx.url, events: ALL });
      await emitReceived(a.orgId);
      await run(a.orgId, { policy: { allowLoopback: false } });
      expect(rx.received).toHaveLength(0);
      expect((await rows(a.orgId))[0]).toMatchObject({ status: "failed", last_status_code: null, last_error: expect.stringMatching(/localhost/) });
      // A public name whose DNS answer is private is refused as well.
      await withService((db) => db.query("update public.webhook_endpoints set url = 'https://hooks.example.com/x' where org_id = $1", [a.orgId]));
      await withService((db) => db.query("update public.webhook_deliveries set next_attempt_at = now() where org_id = $1", [a.orgId]));
      await run(a.orgId, { policy: { allowLoopback: false }, resolve: async () => [{ address: "10.1.2.3", family: 4 }] });
      expect((await rows(a.orgId))[0].last_error).toMatch(/private or reserved address \(10\.1\.2\.3\)/);
    } finally {
      await rx.close();
    }
  });
});

describe("test events and retries by hand", () => {
  it("sends webhook.test to one endpoint right away, and does not retry it", async () => {
    let answer = 200;
    const rx = await startReceiver(() => answer);
    try {
      const a = await makeOrg();
      const { endpoint, secret } = await createEndpoint({ orgId: a.orgId, url: rx.url, events: ["wallet.low_balance"] });
      const ok = (await sendTestEvent(a.orgId, endpoint.id, { policy: sandbox }))!;
      expect(ok).toMatchObject({ event_type: "webhook.test", status: "succeeded", attempts: 1, last_status_code: 200 });
      expect(rx.received).toHaveLength(1);
      expect(verifyWebhookSignature(rx.received[0].body, rx.received[0].headers as Record<string, string>, secret)).toBe(true);
      expect(JSON.parse(rx.received[0].body)).toMatchObject({ type: "webhook.test", data: { endpoint_id: endpoint.id } });

      answer = 500;
      const bad = (await sendTestEvent(a.orgId, endpoint.id, { policy: sandbox }))!;
      expect(bad).toMatchObject({ status: "dead", attempts: 1, last_status_code: 500, next_attempt_at: null });
      expect(await run(a.orgId, { now: () => new Date(Date.now() + 86400_000) })).toBe(0);

      const other = await makeOrg();
      expect(await sendTestEvent(other.orgId, endpoint.id, { policy: sandbox })).toBeNull();
      expect(rx.received).toHaveLength(2);
    } finally {
      await rx.close();
    }
  });

  it("retries a dead delivery now, and can redeliver a succeeded one", async () => {
    let answer = 500;
    const rx = await startReceiver(() => answer);
    try {
      const a = await makeOrg();
      const { endpoint } = await createEndpoint({ orgId: a.orgId, url: rx.url, events: ALL });
      const dead = (await sendTestEvent(a.orgId, endpoint.id, { policy: sandbox }))!;
      expect(dead.status).toBe("dead");
      answer = 200;
      const retried = (await retryDelivery(a.orgId, dead.id, { policy: sandbox }))!;
      expect(retried).toMatchObject({ status: "succeeded", attempts: 2, last_status_code: 200 });
      const again = (await retryDelivery(a.orgId, dead.id, { policy: sandbox }))!;
      expect(again).toMatchObject({ status: "succeeded", attempts: 3 });
      expect(rx.received).toHaveLength(3);
      const other = await makeOrg();
      expect(await retryDelivery(other.orgId, dead.id, { policy: sandbox })).toBeNull();
      expect(rx.received).toHaveLength(3);
    } finally {
      await rx.close();
    }
  });
});

describe("storage and row level security", () => {
  it("stores the secret sealed, and signed-in users cannot read even the sealed column", async () => {
    const a = await makeOrg();
    const { endpoint, secret } = await createEndpoint({ orgId: a.orgId, url: "https://one.example.com/h", events: ALL });
    const stored = await withService((db) =>
      db.query<{ secret_encrypted: string }>("select secret_encrypted from public.webhook_endpoints where id = $1", [endpoint.id]),
    );
    expect(stored.rows[0].secret_encrypted).toMatch(/^v1\./);
    expect(stored.rows[0].secret_encrypted).not.toContain(secret.slice(6));
    await expect(a.asUser((db) => db.query("select secret_encrypted from public.webhook_endpoints"))).rejects.toThrow(/permission denied/);
    await expect(a.asUser((db) => db.query("select * from public.webhook_endpoints"))).rejects.toThrow(/permission denied/);
    expect((await a.asUser((db) => db.query("select id, url from public.webhook_endpoints"))).rows).toEqual([
      { id: endpoint.id, url: "https://one.example.com/h" },
    ]);
  });

  it("owners and admins read only their organization's endpoints and deliveries; agents none; nobody writes", async () => {
    const a = await makeOrg();
    const b = await makeOrg();
    const epA = await createEndpoint({ orgId: a.orgId, url: "https://a.example.com/h", events: ALL });
    await createEndpoint({ orgId: b.orgId, url: "https://b.example.com/h", events: ALL });
    await emitReceived(a.orgId);
    await emitReceived(b.orgId);
    const agent = await makeOrg({ role: "agent" });
    await createEndpoint({ orgId: agent.orgId, url: "https://c.example.com/h", events: ALL });

    expect((await a.asUser((db) => db.query("select id from public.webhook_endpoints"))).rows).toEqual([{ id: epA.endpoint.id }]);
    expect((await a.asUser((db) => db.query("select org_id from public.webhook_deliveries"))).rows).toEqual([{ org_id: a.orgId }]);
    expect((await agent.asUser((db) => db.query("select id from public.webhook_endpoints"))).rows).toEqual([]);
    await expect(
      a.asUser((db) => db.query("update public.webhook_endpoints set url = 'https://evil.example.com' where org_id = $1", [a.orgId])),
    ).rejects.toThrow(/permission denied/);
    await expect(
      a.asUser((db) =>
        db.query("insert into public.webhook_deliveries (org_id, endpoint_id, event_id, event_type, payload) values ($1, $2, 'x', 'webhook.test', '{}')", [
          a.orgId,
          epA.endpoint.id,
        ]),
      ),
    ).rejects.toThrow(/permission denied/);
  });
});
