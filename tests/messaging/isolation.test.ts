import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SESSION_COOKIE, signSession } from "../../lib/auth/session";
import { closePools } from "../../lib/db/pool";
import { serviceQuery } from "../../lib/db/service-query";
import { withService } from "../../lib/db/tx";
import { api, balance, makeContact, makeTenant, phone, startStack, type Stack, type Tenant } from "../helpers/messaging";

let stack: Stack;
let a: Tenant;
let b: Tenant;
let aCookie: string;
const bData = { messageId: "", contactId: "", waId: "", wamid: "" };

beforeAll(async () => {
  stack = await startStack();
  a = await makeTenant();
  b = await makeTenant();
  aCookie = `${SESSION_COOKIE}=${await signSession({ id: a.userId, email: "a@example.test" })}`;
  await makeContact(a.orgId, phone().slice(1));
  const to = phone();
  bData.waId = to.slice(1);
  bData.contactId = await makeContact(b.orgId, bData.waId);
  const sent = await api(stack, "/api/v1/messages", { key: b.apiKey, body: { to, type: "text", text: { body: "B's secret message" } } });
  expect(sent.status).toBe(201);
  bData.messageId = sent.body!.id;
  bData.wamid = sent.body!.wamid;
});
afterAll(async () => {
  await stack.close();
  await closePools();
});

const leaks = (text: string) => [bData.messageId, bData.contactId, bData.wamid, b.channel.id, b.channel.phone_number_id, "B's secret"].some((s) => text.includes(s));

describe("organization A cannot reach organization B's data (API key and session)", () => {
  const callers = () => [
    { name: "api key", auth: { key: a.apiKey } },
    { name: "session", auth: { cookie: aCookie } },
  ];

  it("cannot send from B's channel: 404, nothing charged to either wallet", async () => {
    for (const { auth } of callers()) {
      const res = await api(stack, "/api/v1/messages", { ...auth, body: { to: `+${bData.waId}`, type: "text", text: { body: "hi" }, channel_id: b.channel.id } });
      expect(res.status).toBe(404);
      expect(leaks(res.text)).toBe(false);
    }
    expect(await balance(a.orgId)).toBe(1000);
    expect(await balance(b.orgId)).toBe(980);
  });

  it("a session caller sends from its own channel (source: dashboard)", async () => {
    const c = await makeTenant();
    const cookie = `${SESSION_COOKIE}=${await signSession({ id: c.userId, email: "c@example.test" })}`;
    const to = phone();
    await makeContact(c.orgId, to.slice(1));
    const res = await api(stack, "/api/v1/messages", { cookie, body: { to, type: "text", text: { body: "from the dashboard" } } });
    expect(res.status).toBe(201);
    const row = await withService((db) => db.query("select source, org_id from public.messages where id = $1", [res.body!.id]));
    expect(row.rows[0]).toEqual({ source: "dashboard", org_id: c.orgId });
  });

  it("cannot read B's message by id, nor list it, nor filter by B's contact", async () => {
    for (const { auth } of callers()) {
      const one = await api(stack, `/api/v1/messages/${bData.messageId}`, auth);
      expect(one.status).toBe(404);
      expect(leaks(one.text)).toBe(false);
      const list = await api(stack, "/api/v1/messages?limit=100", auth);
      expect(list.status).toBe(200);
      expect(leaks(list.text)).toBe(false);
      for (const contact of [bData.contactId, bData.waId, `+${bData.waId}`]) {
        const filtered = await api(stack, `/api/v1/messages?contact=${encodeURIComponent(contact)}`, auth);
        expect(filtered.status).toBe(404);
        expect(leaks(filtered.text)).toBe(false);
      }
    }
    // B itself sees it, by id and by contact.
    expect((await api(stack, `/api/v1/messages/${bData.messageId}`, { key: b.apiKey })).body).toMatchObject({ id: bData.messageId, wa_id: bData.waId, text: "B's secret message" });
    const byContact = await api(stack, `/api/v1/messages?contact=${bData.waId}`, { key: b.apiKey });
    expect(byContact.body!.data.map((m: { id: string }) => m.id)).toEqual([bData.messageId]);
  });

  it("sees only its own channels, and cannot change B's (default, disconnect)", async () => {
    for (const { auth } of callers()) {
      const list = await api(stack, "/api/channels", auth);
      expect(list.status).toBe(200);
      expect(list.body!.data.map((c: { id: string }) => c.id)).toEqual([a.channel.id]);
      expect(leaks(list.text)).toBe(false);
      for (const action of ["default", "disconnect"]) {
        const res = await api(stack, `/api/channels/${b.channel.id}/${action}`, { ...auth, method: "POST" });
        expect(res.status).toBe(404);
        expect(leaks(res.text)).toBe(false);
      }
    }
    const bChannel = await withService((db) => db.query("select status, is_default from public.channels where id = $1", [b.channel.id]));
    expect(bChannel.rows[0]).toEqual({ status: "connected", is_default: true });
  });

  it("sees only its own wallet and ledger", async () => {
    for (const { auth } of callers()) {
      const w = await api(stack, "/api/v1/wallet", auth);
      expect(w.body).toEqual({ balance_paise: 1000, fee_paise: 20, low_balance_threshold_paise: 10000 });
      const tx = await api(stack, "/api/v1/wallet/transactions", auth);
      expect(tx.body!.data.map((t: { kind: string }) => t.kind)).toEqual(["credit"]);
      expect(leaks(tx.text)).toBe(false);
    }
  });

  it("never returns a channel's access token, and the hot path really runs as service_role", async () => {
    const list = await api(stack, "/api/channels", { key: b.apiKey });
    expect(list.text).not.toMatch(/token_encrypted|sbx_|v1\./);
    expect(Object.keys(list.body!.data[0])).not.toContain("access_token_encrypted");
    expect((await serviceQuery<{ u: string }>("select current_user as u")).rows[0].u).toBe("service_role");
  });

  it("paginates newest first with a cursor", async () => {
    const t = await makeTenant({ balancePaise: 10_000 });
    const to = phone();
    await makeContact(t.orgId, to.slice(1));
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await api(stack, "/api/v1/messages", { key: t.apiKey, body: { to, type: "text", text: { body: `m${i}` } } })).body!.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof api>> = await api(stack, `/api/v1/messages?limit=2&direction=outbound${cursor ? `&cursor=${cursor}` : ""}`, { key: t.apiKey });
      expect(page.body!.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.body!.data.map((m: { id: string }) => m.id));
      cursor = page.body!.next_cursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    expect((await api(stack, "/api/v1/messages?status=failed", { key: t.apiKey })).body!.data).toEqual([]);
    expect((await api(stack, `/api/v1/messages?cursor=${randomUUID()}`, { key: t.apiKey })).status).toBe(400);
    const tx = await api(stack, "/api/v1/wallet/transactions?limit=3", { key: t.apiKey });
    expect(tx.body!.data).toHaveLength(3);
    const rest = await api(stack, `/api/v1/wallet/transactions?limit=10&cursor=${tx.body!.next_cursor}`, { key: t.apiKey });
    expect(rest.body!.data).toHaveLength(3);
    expect(rest.body!.next_cursor).toBeNull();
  });

  it("an API key stops working within the cache TTL after revocation (immediately on this server)", async () => {
    const t = await makeTenant();
    expect((await api(stack, "/api/v1/wallet", { key: t.apiKey })).status).toBe(200);
    await withService(async (db) => {
      const { revokeApiKey } = await import("../../lib/apikeys/api-keys");
      const k = await db.query<{ id: string }>("select id from public.api_keys where org_id = $1", [t.orgId]);
      await revokeApiKey(db, { orgId: t.orgId, keyId: k.rows[0].id });
    });
    expect((await api(stack, "/api/v1/wallet", { key: t.apiKey })).status).toBe(401);
  });
});

describe("channel tokens are for server code only", () => {
  it("a tenant session can read its channels but not the token column, even directly in SQL", async () => {
    const t = await makeTenant();
    const rows = await t.asUser((db) => db.query("select id, status, is_default from public.channels"));
    expect(rows.rows).toEqual([{ id: t.channel.id, status: "connected", is_default: true }]);
    await expect(t.asUser((db) => db.query("select access_token_encrypted from public.channels"))).rejects.toThrow(/permission denied/);
  });
});
