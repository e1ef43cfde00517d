import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closePools } from "../../lib/db/pool";
import { withService } from "../../lib/db/tx";
import { reconcilePendingSends } from "../../lib/messaging/reconcile";
import { sendMessage } from "../../lib/messaging/send";
import { verifyMetaSignature } from "../../lib/whatsapp/signature";
import { api, balance, ledger, makeContact, makeTenant, messageRow, phone, startStack, type Stack } from "../helpers/messaging";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack.close();
  await closePools();
});

const text = (to: string, body = "Hello from the test") => ({ to, type: "text", text: { body } });
const sandboxCalls = () => stack.graph.state.calls.messages ?? 0;
const callsTo = (to: string) => stack.graph.state.sent.filter((s) => `+${s.to}` === to).length;

/** Runs the reconciliation job until nothing is due (retries use SEND_RETRY_BASE_MS=0). */
async function drainRetries() {
  for (let i = 0; i < 10; i++) {
    await withService((db) => db.query("update public.messages set next_attempt_at = now() where status = 'pending' and attempt_started_at is null"));
    if ((await reconcilePendingSends()) === 0) return;
  }
}

describe("sending charges the wallet exactly once", () => {
  it("sends with enough balance: 201, one debit, wamid stored, token decrypted for Meta, signed statuses follow", async () => {
    const t = await makeTenant({ balancePaise: 1000, feePaise: 20 });
    const to = phone();
    await makeContact(t.orgId, to.slice(1));
    const res = await api(stack, "/api/v1/messages", { key: t.apiKey, body: text(to) });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: "sent", fee_paise: 20, balance_paise: 980, to: to.slice(1), channel_id: t.channel.id });
    expect(res.body!.wamid).toMatch(/^wamid\./);
    const row = await messageRow(res.body!.id);
    expect(row).toMatchObject({ status: "sent", wamid: res.body!.wamid, fee_paise: 20, refunded: false, source: "api", direction: "outbound" });
    expect(await balance(t.orgId)).toBe(980);
    const l = await ledger(t.orgId);
    expect(l.filter((x) => x.kind === "debit")).toEqual([{ kind: "debit", amount_paise: -20, reference: `msg:${res.body!.id}`, message_id: res.body!.id }]);
    // The sandbox got Meta's body, with our id as callback data (the token check passed: it was decrypted).
    const sent = stack.graph.state.sent.find((s) => s.wamid === res.body!.wamid)!;
    expect(sent.body).toMatchObject({ messaging_product: "whatsapp", to: to.slice(1), type: "text", text: { body: "Hello from the test" }, biz_opaque_callback_data: res.body!.id });
    // Statuses reach the webhook signed with the app secret: sent, delivered, read.
    await stack.graph.flush();
    const mine = stack.recorder.received.filter((r) => r.raw.includes(res.body!.wamid));
    for (const r of mine) expect(verifyMetaSignature(r.raw, r.headers["x-hub-signature-256"] as string, process.env.META_APP_SECRET!)).toBe(true);
    const statuses = mine.flatMap((r) => (r.body as any).entry[0].changes[0].value.statuses.filter((s: any) => s.id === res.body!.wamid)); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(statuses.map((s: { status: string }) => s.status)).toEqual(["sent", "delivered", "read"]);
    expect(statuses[0]).toMatchObject({ recipient_id: to.slice(1), biz_opaque_callback_data: res.body!.id });
  });

  it("refuses with 402 when the balance is below the fee: no call to Meta, nothing debited, nothing written", async () => {
    const t = await makeTenant({ balancePaise: 10, feePaise: 20 });
    const to = phone();
    await makeContact(t.orgId, to.slice(1));
    const before = sandboxCalls();
    const res = await api(stack, "/api/v1/messages", { key: t.apiKey, body: text(to) });
    expect(res.status).toBe(402);
    expect(res.body!.error).toMatchObject({ code: "insufficient_balance", balance_paise: 10, fee_paise: 20 });
    expect(sandboxCalls()).toBe(before);
    expect(await balance(t.orgId)).toBe(10);
    expect((await ledger(t.orgId)).filter((x) => x.kind === "debit")).toHaveLength(0);
    const count = await withService((db) => db.query("select count(*)::int as n from public.messages where org_id = $1", [t.orgId]));
    expect(count.rows[0].n).toBe(0);
  });

  it("error 190: refunded at once, channel marked token_expired, and later sends refused without calling Meta", async () => {
    const t = await makeTenant();
    const to = phone("0190");
    await makeContact(t.orgId, to.slice(1));
    const res = await api(stack, "/api/v1/messages", { key: t.apiKey, body: text(to) });
    expect(res.status).toBe(502);
    expect(res.body!.error).toMatchObject({ code: "message_failed", refunded: true, meta_error: { code: 190 }, balance_paise: 1000 });
    expect(await balance(t.orgId)).toBe(1000);
    expect((await ledger(t.orgId)).map((x) => x.kind)).toEqual(["credit", "debit", "refund"]);
    const row = await messageRow(res.body!.error.message_id);
    expect(row).toMatchObject({ status: "failed", refunded: true, error_code: 190 });
    const ch = await withService((db) => db.query("select status from public.channels where id = $1", [t.channel.id]));
    expect(ch.rows[0].status).toBe("token_expired");
    const before = sandboxCalls();
    const again = await api(stack, "/api/v1/messages", { key: t.apiKey, body: text(phone()) });
    expect(again.status).toBe(422);
    expect(again.body!.error.code).toBe("channel_not_connected");
    expect(again.body!.error.message).toMatch(/expired.*Reconnect/);
    expect(sandboxCalls()).toBe(before);
  });

  for (const [suffix, code] of [
    ["0429", 130429],
    ["0500", 131000],
  ] as const) {
    it(`error ${code}: pending (202), retried by the worker a bounded number of times, then refunded once`, async () => {
      const t = await makeTenant();
      const to = phone(suffix);
      await makeContact(t.orgId, to.slice(1));
      const res = await api(stack, "/api/v1/messages", { key: t.apiKey, body: text(to) });
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ status: "pending", error: { code } });
      expect(await balance(t.orgId)).toBe(980);
      await drainRetries();
      const row = await messageRow(res.body!.id);
      expect(row).toMatchObject({ status: "failed", refunded: true, error_code: code, attempts: 4 });
      expect(callsTo(to)).toBe(4);
      expect(await balance(t.orgId)).toBe(1000);
      expect((await ledger(t.orgId)).map((x) => x.kind)).toEqual(["credit", "debit", "refund"]);
      await drainRetries();
      expect(callsTo(to)).toBe(4);
    });
  }

  it("error 131026 (undeliverable): failed with Meta's code and title, fee kept", async () => {
    const t = await makeTenant();
    const to = phone("1026");
    await makeContact(t.orgId, to.slice(1));
    const res = await api(stack, "/api/v1/messages", { key: t.apiKey, body: text(to) });
    expect(res.status).toBe(422);
    expect(res.body!.error).toMatchObject({ code: "message_failed", refunded: false, meta_error: { code: 131026 }, balance_paise: 980 });
    expect(await messageRow(res.body!.error.message_id)).toMatchObject({ status: "failed", refunded: false, error_code: 131026, error_title: "(#131026) Message Undeliverable." });
    expect(await balance(t.orgId)).toBe(980);
    expect((await ledger(t.orgId)).map((x) => x.kind)).toEqual(["credit", "debit"]);
    await drainRetries();
    expect(callsTo(to)).toBe(1);
  });

  it("a number ending 2026 is accepted, then a signed `failed` (131026) status is posted", async () => {
    const t = await makeTenant();
    const to = phone("2026");
    await makeContact(t.orgId, to.slice(1));
    const res = await api(stack, "/api/v1/messages", { key: t.apiKey, body: text(to) });
    expect(res.status).toBe(201);
    await stack.graph.flush();
    const statuses = stack.recorder.received
      .flatMap((r) => (r.body as any).entry[0].changes[0].value.statuses ?? []) // eslint-disable-line @typescript-eslint/no-explicit-any
      .filter((s: { id: string }) => s.id === res.body!.wamid);
    expect(statuses.map((s: { status: string }) => s.status)).toEqual(["sent", "failed"]);
    expect(statuses[1].errors[0].code).toBe(131026);
  });

  it("Idempotency-Key: the same body returns the first result and charges once (also concurrently); another body is 409", async () => {
    const t = await makeTenant();
    const to = phone();
    await makeContact(t.orgId, to.slice(1));
    const key = `order-${randomUUID()}`;
    const results = await Promise.all(
      Array.from({ length: 5 }, () => api(stack, "/api/v1/messages", { key: t.apiKey, body: text(to, "Your order shipped"), headers: { "idempotency-key": key } })),
    );
    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    expect(new Set(results.map((r) => r.body!.id)).size).toBe(1);
    expect(new Set(results.map((r) => r.body!.wamid)).size).toBe(1);
    expect(results.filter((r) => r.headers.get("idempotent-replayed") === "true")).toHaveLength(4);
    expect(results.every((r) => r.body!.balance_paise === 980)).toBe(true);
    expect(callsTo(to)).toBe(1);
    expect(await balance(t.orgId)).toBe(980);
    const other = await api(stack, "/api/v1/messages", { key: t.apiKey, body: text(to, "Something else"), headers: { "idempotency-key": key } });
    expect(other.status).toBe(409);
    expect(other.body!.error.code).toBe("idempotency_key_reused");
    expect(await balance(t.orgId)).toBe(980);
  });

  it("Idempotency-Key: a repeat that arrives while the first is still being sent answers with the first's result, not 202 pending", async () => {
    const t = await makeTenant();
    const to = phone();
    await makeContact(t.orgId, to.slice(1));
    const key = `order-${randomUUID()}`;
    const msg = { type: "text" as const, text: { body: "Your order shipped" } };
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let charged!: () => void;
    const reachedDelivery = new Promise<void>((r) => (charged = r));
    // The first send is charged and its pending row committed, then held just before it calls Meta.
    const first = sendMessage({ orgId: t.orgId, to, message: msg, idempotencyKey: key, source: "api", beforeDeliver: async () => (charged(), held) });
    await reachedDelivery;
    const repeat = sendMessage({ orgId: t.orgId, to, message: msg, idempotencyKey: key, source: "api" });
    await new Promise((r) => setTimeout(r, 150)); // the repeat has found the row pending by now
    release();
    const [a, b] = await Promise.all([first, repeat]);
    expect(a).toMatchObject({ status: "sent", duplicate: false });
    expect(b).toMatchObject({ id: a.id, status: "sent", wamid: a.wamid, duplicate: true });
    expect(callsTo(to)).toBe(1);
    expect(await balance(t.orgId)).toBe(980);
  });

  it("outside the 24-hour window a text is refused with 422 (use a template) and a template goes out; opted-out contacts get nothing", async () => {
    const t = await makeTenant();
    const stale = phone();
    await makeContact(t.orgId, stale.slice(1), { minutesAgo: 25 * 60 });
    const never = phone();
    const before = sandboxCalls();
    for (const to of [stale, never]) {
      const res = await api(stack, "/api/v1/messages", { key: t.apiKey, body: text(to) });
      expect(res.status).toBe(422);
      expect(res.body!.error.code).toBe("outside_customer_service_window");
      expect(res.body!.error.message).toMatch(/template/);
    }
    // A refused send leaves no contact behind.
    const contacts = await withService((db) => db.query("select count(*)::int as n from public.contacts where org_id = $1 and wa_id = $2", [t.orgId, never.slice(1)]));
    expect(contacts.rows[0].n).toBe(0);
    const template = { to: stale, type: "template", template: { name: "hello_world", language: { code: "en_US" } } };
    const ok = await api(stack, "/api/v1/messages", { key: t.apiKey, body: template });
    expect(ok.status).toBe(201);
    const out = phone();
    await makeContact(t.orgId, out.slice(1), { optedOut: true });
    for (const body of [text(out), { ...template, to: out }]) {
      const res = await api(stack, "/api/v1/messages", { key: t.apiKey, body });
      expect(res.status).toBe(422);
      expect(res.body!.error.code).toBe("contact_opted_out");
    }
    expect(sandboxCalls()).toBe(before + 1);
    expect(await balance(t.orgId)).toBe(980);
  });

  it("an organization without a connected default channel is told to connect one; a channel it does not own is 404; neither is charged", async () => {
    const t = await makeTenant();
    const other = await makeTenant();
    const to = phone();
    await makeContact(t.orgId, to.slice(1));
    // Another organization's channel, named: 404 (read one message at a time, send_check).
    const named = await sendMessage({ orgId: t.orgId, channelId: other.channel.id, to, message: { type: "text", text: { body: "x" } }, source: "api" }).catch((e) => e);
    expect(named).toMatchObject({ status: 404, code: "channel_not_found" });
    // No default channel: the batch's prefetch finds none (send_decide).
    await withService((db) => db.query("update public.channels set is_default = false where org_id = $1", [t.orgId]));
    const plain = await sendMessage({ orgId: t.orgId, to, message: { type: "text", text: { body: "x" } }, source: "api" }).catch((e) => e);
    expect(plain).toMatchObject({ status: 422, code: "no_channel" });
    expect(await balance(t.orgId)).toBe(1000);
    expect(await ledger(t.orgId)).toHaveLength(1);
  });

  it("rejects bad requests with 4xx and a message a person can act on, charging nothing", async () => {
    const t = await makeTenant();
    const to = phone();
    await makeContact(t.orgId, to.slice(1));
    const cases: Array<[unknown, number, RegExp]> = [
      [{ to, type: "text", text: { body: "x".repeat(4097) } }, 400, /4096/],
      [{ to, type: "sticker", sticker: { id: "1" } }, 400, /type must be one of/],
      [{ to: "12345", type: "text", text: { body: "hi" } }, 400, /not a valid phone number/],
      [{ to: "+91 98765", type: "text", text: { body: "hi" } }, 400, /not a valid phone number/],
      [{ type: "text", text: { body: "hi" } }, 400, /to/],
      [{ to, type: "image", image: {} }, 400, /link or a media id/],
      [
        {
          to,
          type: "interactive",
          interactive: { type: "button", body: { text: "Pick" }, action: { buttons: [1, 2, 3, 4].map((i) => ({ type: "reply", reply: { id: `b${i}`, title: `B${i}` } })) } },
        },
        400,
        /at most 3 reply buttons/,
      ],
      [
        {
          to,
          type: "interactive",
          interactive: {
            type: "list",
            body: { text: "Pick" },
            action: { button: "Menu", sections: [{ rows: Array.from({ length: 11 }, (_, i) => ({ id: `r${i}`, title: `Row ${i}` })) }] },
          },
        },
        400,
        /at most 10 rows/,
      ],
      [{ to, type: "text", text: { body: "hi" }, channel_id: randomUUID() }, 404, /No channel/],
    ];
    for (const [body, status, message] of cases) {
      const res = await api(stack, "/api/v1/messages", { key: t.apiKey, body });
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(status);
      expect(res.body!.error.message).toMatch(message);
    }
    expect(await balance(t.orgId)).toBe(1000);
    // Valid media, interactive and list messages do go out.
    for (const body of [
      { to, type: "image", image: { link: "https://example.com/a.png", caption: "A" } },
      { to, type: "document", document: { id: "12345", filename: "invoice.pdf" } },
      { to, type: "interactive", interactive: { type: "button", body: { text: "Pick" }, action: { buttons: [{ type: "reply", reply: { id: "y", title: "Yes" } }] } } },
    ]) {
      expect((await api(stack, "/api/v1/messages", { key: t.apiKey, body })).status).toBe(201);
    }
  });

  it("/api/send-message keeps the simple body on the same pipeline; another org's org_id is 403", async () => {
    const t = await makeTenant();
    const other = await makeTenant();
    const to = phone();
    await makeContact(t.orgId, to.slice(1));
    const ok = await api(stack, "/api/send-message", { key: t.apiKey, body: { phone: to, message: "Hi there", org_id: t.orgId } });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ status: "sent", balance_paise: 980 });
    const forged = await api(stack, "/api/send-message", { key: t.apiKey, body: { phone: to, message: "Hi", org_id: other.orgId } });
    expect(forged.status).toBe(403);
    expect(await balance(t.orgId)).toBe(980);
    expect(await balance(other.orgId)).toBe(1000);
  });

  it("a suspended organization gets 403 and is not charged", async () => {
    const t = await makeTenant();
    const to = phone();
    await makeContact(t.orgId, to.slice(1));
    await withService((db) => db.query("update public.organizations set status = 'suspended' where id = $1", [t.orgId]));
    const res = await api(stack, "/api/v1/messages", { key: t.apiKey, body: text(to) });
    expect(res.status).toBe(403);
    expect(res.body!.error.code).toBe("organization_suspended");
    await expect(sendMessage({ orgId: t.orgId, to, message: { type: "text", text: { body: "x" } }, source: "auto_reply" })).rejects.toMatchObject({ status: 403 });
    expect(await balance(t.orgId)).toBe(1000);
  });

  it("one auto-reply per inbound message: concurrent duplicates charge nothing and return the first reply", async () => {
    const t = await makeTenant();
    const to = phone();
    const contactId = await makeContact(t.orgId, to.slice(1));
    const inbound = await withService(async (db) => {
      const { rows } = await db.query<{ id: string }>(
        `insert into public.messages (org_id, channel_id, contact_id, direction, type, status, text, wamid)
         values ($1, $2, $3, 'inbound', 'text', 'received', 'hi', $4) returning id`,
        [t.orgId, t.channel.id, contactId, `wamid.in.${randomUUID()}`],
      );
      return rows[0].id;
    });
    const results = await Promise.all(
      Array.from({ length: 4 }, () =>
        sendMessage({ orgId: t.orgId, to, message: { type: "text", text: { body: "Thanks!" } }, replyToMessageId: inbound, source: "auto_reply" }),
      ),
    );
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(results.filter((r) => r.duplicate)).toHaveLength(3);
    expect(await balance(t.orgId)).toBe(980);
    expect(callsTo(to)).toBe(1);
    expect((await messageRow(results[0].id)).source).toBe("auto_reply");
  });
});

describe("crash reconciliation", () => {
  /** A charged pending message as the pipeline leaves it, with the process gone. */
  async function strandedMessage(t: Awaited<ReturnType<typeof makeTenant>>, to: string, opts: { attempted: boolean }) {
    const contactId = await makeContact(t.orgId, to.slice(1));
    return withService(async (db) => {
      const id = randomUUID();
      await db.query("select private.wallet_debit($1, 20, $2, 'Message fee', $3)", [t.orgId, `msg:${id}`, id]);
      await db.query(
        `insert into public.messages (id, org_id, channel_id, contact_id, direction, type, status, text, content, fee_paise,
           source, attempts, attempt_started_at, next_attempt_at, created_at)
         values ($1, $2, $3, $4, 'outbound', 'text', 'pending', 'stranded', $5, 20, 'api', $6, $7, now() - interval '1 second', now() - interval '2 minutes')`,
        [
          id,
          t.orgId,
          t.channel.id,
          contactId,
          { to: to.slice(1), type: "text", text: { body: "stranded" } },
          opts.attempted ? 1 : 0,
          opts.attempted ? new Date(Date.now() - 120_000) : null,
        ],
      );
      return id;
    });
  }

  it("a message charged but never sent (died before calling Meta) is sent exactly once, even with two workers racing", async () => {
    const t = await makeTenant();
    const to = phone();
    const id = await strandedMessage(t, to, { attempted: false });
    const [a, b] = await Promise.all([reconcilePendingSends(), reconcilePendingSends()]);
    expect(a + b).toBeGreaterThanOrEqual(1);
    const row = await messageRow(id);
    expect(row).toMatchObject({ status: "sent", refunded: false, attempts: 1 });
    expect(row.wamid).toMatch(/^wamid\./);
    expect(callsTo(to)).toBe(1);
    await Promise.all([reconcilePendingSends(), reconcilePendingSends()]);
    expect(callsTo(to)).toBe(1);
    expect(await balance(t.orgId)).toBe(980);
    expect((await ledger(t.orgId)).map((x) => x.kind)).toEqual(["credit", "debit"]);
  });

  it("a message whose Graph call may have happened is refunded exactly once, never resent, even with two workers racing", async () => {
    const t = await makeTenant();
    const to = phone();
    const id = await strandedMessage(t, to, { attempted: true });
    await Promise.all([reconcilePendingSends(), reconcilePendingSends(), reconcilePendingSends()]);
    const row = await messageRow(id);
    expect(row).toMatchObject({ status: "failed", refunded: true });
    expect(row.error_title).toMatch(/No answer from Meta/);
    expect(callsTo(to)).toBe(0);
    await Promise.all([reconcilePendingSends(), reconcilePendingSends()]);
    expect(await balance(t.orgId)).toBe(1000);
    expect((await ledger(t.orgId)).map((x) => x.kind)).toEqual(["credit", "debit", "refund"]);
  });
});

describe("unknown outcome (Meta may have the message)", () => {
  it("a Graph timeout leaves the message pending (202), never resent; the worker refunds it after the grace period", async () => {
    const http = await import("node:http");
    const requests: string[] = [];
    const hanging = http.createServer((req) => void requests.push(req.url ?? ""));
    await new Promise<void>((r) => hanging.listen(0, "127.0.0.1", r));
    const { resetEnvCache } = await import("../../lib/config/env");
    const saved = { url: process.env.GRAPH_API_URL, timeout: process.env.GRAPH_API_TIMEOUT_MS };
    process.env.GRAPH_API_URL = `http://127.0.0.1:${(hanging.address() as { port: number }).port}`;
    process.env.GRAPH_API_TIMEOUT_MS = "300";
    resetEnvCache();
    try {
      const t = await makeTenant();
      const to = phone();
      await makeContact(t.orgId, to.slice(1));
      const res = await api(stack, "/api/v1/messages", { key: t.apiKey, body: text(to) });
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ status: "pending", wamid: null });
      expect(res.body!.error.title).toMatch(/HEADERS_TIMEOUT|timeout/i);
      expect(await balance(t.orgId)).toBe(980);
      // Not due yet: the worker leaves it alone.
      await reconcilePendingSends();
      expect((await messageRow(res.body!.id)).status).toBe("pending");
      // After the grace period: refunded, and Meta was asked exactly once.
      await withService((db) => db.query("update public.messages set next_attempt_at = now() - interval '1 second' where id = $1", [res.body!.id]));
      await Promise.all([reconcilePendingSends(), reconcilePendingSends()]);
      expect(await messageRow(res.body!.id)).toMatchObject({ status: "failed", refunded: true });
      expect(requests).toHaveLength(1);
      expect(await balance(t.orgId)).toBe(1000);
    } finally {
      process.env.GRAPH_API_URL = saved.url;
      process.env.GRAPH_API_TIMEOUT_MS = saved.timeout;
      resetEnvCache();
      hanging.closeAllConnections();
      await new Promise((r) => hanging.close(r));
    }
  });
});

describe("batched recording of successful sends", () => {
  it("records sends from one event-loop turn together, and one bad row does not fail the others", async () => {
    const { recordSent } = await import("../../lib/messaging/send");
    const t = await makeTenant();
    const contactId = await makeContact(t.orgId, phone().slice(1));
    const ids = await withService(async (db) => {
      const out: string[] = [];
      for (let i = 0; i < 3; i++) {
        const { rows } = await db.query<{ id: string }>(
          `insert into public.messages (org_id, channel_id, contact_id, direction, type, status, attempts, attempt_started_at, next_attempt_at, wamid)
           values ($1, $2, $3, 'outbound', 'text', $4, 1, now(), now() + interval '1 minute', $5) returning id`,
          [t.orgId, t.channel.id, contactId, i === 2 ? "sent" : "pending", i === 2 ? `wamid.taken.${t.orgId}` : null],
        );
        out.push(rows[0].id);
      }
      return out;
    });
    const [a, b] = await Promise.allSettled([recordSent(ids[0], `wamid.taken.${t.orgId}`), recordSent(ids[1], `wamid.fresh.${t.orgId}`)]);
    expect(a.status).toBe("rejected");
    expect(b).toEqual({ status: "fulfilled", value: "sent" });
    expect(await messageRow(ids[1])).toMatchObject({ status: "sent", wamid: `wamid.fresh.${t.orgId}`, attempt_started_at: null, next_attempt_at: null });
    expect((await messageRow(ids[0])).status).toBe("pending");
  });
});

describe("sends prepared together in one transaction", () => {
  it("sends started in the same tick each get their own outcome and charge; a failing member charges nobody twice", async () => {
    const rich = await makeTenant({ balancePaise: 1000 });
    const poor = await makeTenant({ balancePaise: 50 });
    const inWindow = [phone(), phone(), phone()];
    for (const to of inWindow) {
      await makeContact(rich.orgId, to.slice(1));
      await makeContact(poor.orgId, to.slice(1));
    }
    const stale = phone();
    await makeContact(rich.orgId, stale.slice(1), { minutesAgo: 30 * 60 });
    const msg = { type: "text" as const, text: { body: "batch" } };
    const key = `k-${randomUUID()}`;
    const { prepareStats } = await import("../../lib/messaging/send");
    const before = { ...prepareStats };
    const results = await Promise.allSettled([
      ...inWindow.map((to) => sendMessage({ orgId: rich.orgId, to, message: msg, source: "api" })),
      ...inWindow.map((to) => sendMessage({ orgId: poor.orgId, to, message: msg, source: "api" })), // 50 paise: two fit
      sendMessage({ orgId: rich.orgId, to: stale, message: msg, source: "api" }), // window closed
      sendMessage({ orgId: rich.orgId, to: inWindow[0], message: msg, idempotencyKey: key, source: "api" }),
      sendMessage({ orgId: rich.orgId, to: inWindow[0], message: msg, idempotencyKey: key, source: "api" }),
    ]);
    const ok = results.filter((r) => r.status === "fulfilled").map((r) => (r as PromiseFulfilledResult<Awaited<ReturnType<typeof sendMessage>>>).value);
    const failed = results.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason as { status: number; code: string });
    expect(failed.map((f) => f.code).sort()).toEqual(["insufficient_balance", "outside_customer_service_window"]);
    // All nine went to the database in one statement, without falling back to one by one.
    expect(prepareStats.statements - before.statements).toBe(1);
    expect(prepareStats.sends - before.sends).toBe(9);
    expect(prepareStats.fallbacks).toBe(before.fallbacks);
    // It committed without waiting for its disk flush (PostgreSQL 18 here), so the WAL was flushed
    // once before any of the nine was answered.
    expect(prepareStats.flushes - before.flushes).toBe(1);
    expect(ok.filter((r) => r.status === "sent" && !r.duplicate)).toHaveLength(6);
    // The repeated Idempotency-Key answers with the first message (still in flight, so pending).
    const dup = ok.filter((r) => r.duplicate);
    expect(dup).toHaveLength(1);
    expect(ok.filter((r) => r.id === dup[0].id)).toHaveLength(2);
    expect(await balance(rich.orgId)).toBe(1000 - 4 * 20);
    expect(await balance(poor.orgId)).toBe(10);
    expect((await ledger(rich.orgId)).filter((l) => l.kind === "debit")).toHaveLength(4);
    expect((await ledger(poor.orgId)).filter((l) => l.kind === "debit")).toHaveLength(2);
  });

  it("one Idempotency-Key with two different bodies in the same batch: the first is sent and charged, the second is a 409 naming it", async () => {
    const t = await makeTenant({ balancePaise: 1000 });
    const to = phone();
    await makeContact(t.orgId, to.slice(1));
    const key = `k-${randomUUID()}`;
    const { prepareStats } = await import("../../lib/messaging/send");
    const before = { ...prepareStats };
    const [a, b] = await Promise.allSettled([
      sendMessage({ orgId: t.orgId, to, message: { type: "text", text: { body: "first" } }, idempotencyKey: key, source: "api" }),
      sendMessage({ orgId: t.orgId, to, message: { type: "text", text: { body: "second" } }, idempotencyKey: key, source: "api" }),
    ]);
    expect(prepareStats.statements - before.statements).toBe(1);
    expect(prepareStats.fallbacks).toBe(before.fallbacks);
    const results = [a, b];
    const sent = results.filter((r) => r.status === "fulfilled").map((r) => (r as PromiseFulfilledResult<Awaited<ReturnType<typeof sendMessage>>>).value);
    const refused = results.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason as { status: number; code: string; details?: { message_id?: string } });
    expect(sent).toHaveLength(1);
    expect(refused.map((e) => [e.status, e.code])).toEqual([[409, "idempotency_key_reused"]]);
    expect(refused[0].details?.message_id).toBe(sent[0].id);
    expect(await balance(t.orgId)).toBe(1000 - 20);
    expect((await ledger(t.orgId)).filter((l) => l.kind === "debit")).toHaveLength(1);
  });

  it("a batch debits its organization once: ledger rows in id order are a serial history, each answer's balance is its own debit's, one low-balance notice names the crossing debit", async () => {
    const t = await makeTenant({ balancePaise: 1000, feePaise: 20 });
    await withService((db) => db.query("update public.organizations set low_balance_threshold_paise = 900 where id = $1", [t.orgId]));
    const tos = Array.from({ length: 12 }, () => phone());
    for (const to of tos) await makeContact(t.orgId, to.slice(1));
    const { prepareStats } = await import("../../lib/messaging/send");
    const before = { ...prepareStats };
    const sent = await Promise.all(tos.map((to) => sendMessage({ orgId: t.orgId, to, message: { type: "text", text: { body: "b" } }, source: "api" })));
    expect(prepareStats.statements - before.statements).toBe(1);
    expect(await balance(t.orgId)).toBe(1000 - 12 * 20);
    const rows = await withService(async (db) =>
      (
        await db.query<{ id: string; amount_paise: string; balance_after_paise: string; message_id: string | null; reference: string }>(
          `select t.id, t.amount_paise, t.balance_after_paise, t.message_id, t.reference
             from public.wallet_transactions t where t.org_id = $1 order by t.id`,
          [t.orgId],
        )
      ).rows,
    );
    let running = 0;
    for (const r of rows) {
      running += Number(r.amount_paise);
      expect(Number(r.balance_after_paise)).toBe(running);
      if (r.message_id) expect(r.reference).toBe(`msg:${r.message_id}`);
    }
    const debits = rows.filter((r) => r.message_id);
    expect(debits).toHaveLength(12);
    // Every caller is told the balance its own debit left.
    for (const s of sent) expect(s.balancePaise).toBe(Number(debits.find((d) => d.message_id === s.id)!.balance_after_paise));
    // 1000 → 980 … 900 stays at the threshold; the debit that leaves 880 crosses it, once.
    const notices = await withService(async (db) =>
      (await db.query<{ data: { balance_paise: number; transaction_id: number } }>("select data from public.notifications where org_id = $1 and kind = 'low_balance'", [t.orgId])).rows,
    );
    expect(notices).toHaveLength(1);
    expect(notices[0].data.balance_paise).toBe(880);
    expect(Number(notices[0].data.transaction_id)).toBe(Number(debits.find((d) => Number(d.balance_after_paise) === 880)!.id));
  });

  it("a batch spanning organizations debits each once, each ledger a serial history; a free organization is not debited; only the crossing one is noticed", async () => {
    const a = await makeTenant({ balancePaise: 1000, feePaise: 20 });
    const b = await makeTenant({ balancePaise: 5000, feePaise: 35 });
    const free = await makeTenant({ balancePaise: 700, feePaise: 0 });
    await withService((db) => db.query("update public.organizations set low_balance_threshold_paise = 950 where id = $1", [a.orgId]));
    const plan = [a, b, free, a, b, a, free, b, a].map((t) => ({ t, to: phone() }));
    for (const p of plan) await makeContact(p.t.orgId, p.to.slice(1));
    const { prepareStats } = await import("../../lib/messaging/send");
    const before = { ...prepareStats };
    const sent = await Promise.all(plan.map((p) => sendMessage({ orgId: p.t.orgId, to: p.to, message: { type: "text", text: { body: "m" } }, source: "api" })));
    expect(prepareStats.statements - before.statements).toBe(1);
    expect(sent.every((s) => s.status === "sent")).toBe(true);
    expect([await balance(a.orgId), await balance(b.orgId), await balance(free.orgId)]).toEqual([1000 - 4 * 20, 5000 - 3 * 35, 700]);
    for (const t of [a, b]) {
      const rows = await withService(async (db) =>
        (await db.query<{ amount_paise: number; balance_after_paise: number }>("select amount_paise, balance_after_paise from public.wallet_transactions where org_id = $1 order by id", [t.orgId])).rows,
      );
      expect(rows.length).toBeGreaterThan(3);
      let running = 0;
      for (const r of rows) {
        running += Number(r.amount_paise);
        expect(Number(r.balance_after_paise)).toBe(running);
      }
    }
    expect((await ledger(free.orgId)).filter((l) => l.kind === "debit")).toHaveLength(0);
    // Each caller hears the balance its own debit left: A's four answers are 980, 960, 940, 920 in batch order.
    expect(sent.filter((_, i) => plan[i].t === a).map((s) => s.balancePaise)).toEqual([980, 960, 940, 920]);
    expect(sent.filter((_, i) => plan[i].t === free).map((s) => s.balancePaise)).toEqual([700, 700]);
    const notices = await withService(async (db) =>
      (await db.query<{ org_id: string; data: { balance_paise: number } }>(
        "select org_id, data from public.notifications where org_id = any($1::uuid[]) and kind = 'low_balance'",
        [[a.orgId, b.orgId, free.orgId]],
      )).rows,
    );
    expect(notices.map((n) => [n.org_id, n.data.balance_paise])).toEqual([[a.orgId, 940]]);
  });

  it("a debit committed between a batch's read of the balance and its own debit: the batch rolls back and each send is answered from the new balance", async () => {
    const t = await makeTenant({ balancePaise: 1000, feePaise: 20 });
    const tos = [phone(), phone(), phone()];
    for (const to of tos) await makeContact(t.orgId, to.slice(1));
    const { prepareStats } = await import("../../lib/messaging/send");
    const before = { ...prepareStats };
    let sends: Promise<PromiseSettledResult<Awaited<ReturnType<typeof sendMessage>>>[]> | null = null;
    await withService(async (db) => {
      // Another transaction spends all but 30 paise and holds the wallet row until it commits.
      await db.query("update public.wallets set balance_paise = 30 where org_id = $1", [t.orgId]);
      sends = Promise.allSettled(tos.map((to) => sendMessage({ orgId: t.orgId, to, message: { type: "text", text: { body: "race" } }, source: "api" })));
      // The batch has read 1,000 and now waits for the wallet row.
      for (let i = 0; i < 200; i++) {
        const { rows } = await db.query<{ n: number }>(
          "select count(*)::int as n from pg_locks where locktype = 'transactionid' and not granted and transactionid = pg_current_xact_id()::text::xid",
        );
        if (rows[0].n > 0) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error("the batch never waited for the wallet row");
    });
    const results = await sends!;
    expect(prepareStats.fallbacks - before.fallbacks).toBe(1);
    const ok = results.filter((r) => r.status === "fulfilled");
    const refused = results.filter((r) => r.status === "rejected").map((r) => ((r as PromiseRejectedResult).reason as { code: string }).code);
    expect(ok).toHaveLength(1);
    expect(refused).toEqual(["insufficient_balance", "insufficient_balance"]);
    expect(await balance(t.orgId)).toBe(10);
    const rows = await withService(async (db) => (await db.query<{ n: number }>("select count(*)::int as n from public.messages where org_id = $1", [t.orgId])).rows);
    expect(rows[0].n).toBe(1);
    expect((await ledger(t.orgId)).filter((l) => l.kind === "debit")).toHaveLength(1);
  });
});
