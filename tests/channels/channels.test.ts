import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SESSION_COOKIE, signSession } from "../../lib/auth/session";
import { channelTokenContext, decryptSecret } from "../../lib/crypto/secrets";
import { closePools } from "../../lib/db/pool";
import { withService } from "../../lib/db/tx";
import { seedDemo } from "../../lib/seed/demo";
import { makeOrg } from "../helpers/factories";
import { api, startStack, type Stack } from "../helpers/messaging";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack.close();
  await closePools();
});

async function owner(role: "owner" | "admin" | "agent" = "owner") {
  const org = await makeOrg({ role });
  const cookie = `${SESSION_COOKIE}=${await signSession({ id: org.user.id, email: org.user.email })}`;
  return { ...org, cookie };
}

let n = 0;
const ids = () => {
  n++;
  const s = `${Date.now() % 1e8}${String(n).padStart(3, "0")}`;
  return { waba: `3${s}1`, phone: `4${s}1` };
};

const channelRows = (phoneNumberId: string) =>
  withService(async (db) => (await db.query("select * from public.channels where phone_number_id = $1", [phoneNumberId])).rows);

describe("Embedded Signup over the sandbox Graph API", () => {
  it("connects a number: token stored encrypted (never in clear, never returned), details from Meta, first channel is default", async () => {
    const o = await owner();
    const { waba, phone } = ids();
    const res = await api(stack, "/api/channels/embedded-signup", { cookie: o.cookie, body: { code: `code-${phone}`, waba_id: waba, phone_number_id: phone, pin: "123456" } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ phone_number_id: phone, waba_id: waba, status: "connected", is_default: true, verified_name: expect.stringContaining("Sandbox Business") });
    expect(res.body!.display_phone_number).toMatch(/^\+91 /);
    const token = [...stack.graph.state.issuedTokens].find((t) => t)!;
    const [row] = await channelRows(phone);
    expect(row.access_token_encrypted).toMatch(/^v1\./);
    const issued = [...stack.graph.state.issuedTokens];
    expect(issued.some((t) => row.access_token_encrypted.includes(t))).toBe(false);
    expect(issued).toContain(decryptSecret(row.access_token_encrypted, channelTokenContext(row.id)));
    for (const text of [res.text, (await api(stack, "/api/channels", { cookie: o.cookie })).text]) {
      expect(text).not.toContain(token);
      expect(text).not.toContain("access_token");
      expect(text).not.toContain(row.access_token_encrypted);
    }
    expect(stack.graph.state.calls).toMatchObject({ oauth_access_token: expect.any(Number), subscribed_apps: expect.any(Number), register: expect.any(Number) });
  });

  const failures = [
    { name: "bad code", body: (w: string, p: string) => ({ code: "bad-code", waba_id: w, phone_number_id: p }), status: 422, step: "exchange_code", text: /exchange the authorization code/ },
    { name: "subscribe fails", body: (w: string, p: string) => ({ code: "ok", waba_id: w.slice(0, -4) + "0403", phone_number_id: p }), status: 422, step: "subscribe_app", text: /subscribe the app/ },
    { name: "register fails", body: (w: string, p: string) => ({ code: "ok", waba_id: w, phone_number_id: p, pin: "000000" }), status: 422, step: "register_number", text: /register the phone number.*PIN/ },
    { name: "lookup fails", body: (w: string, p: string) => ({ code: "ok", waba_id: w, phone_number_id: p.slice(0, -4) + "0404" }), status: 422, step: "fetch_number", text: /read the phone number/ },
  ];
  for (const f of failures) {
    it(`${f.name}: answers ${f.status} naming the step, and leaves no channel`, async () => {
      const o = await owner();
      const { waba, phone } = ids();
      const body = f.body(waba, phone);
      const res = await api(stack, "/api/channels/embedded-signup", { cookie: o.cookie, body });
      expect(res.status).toBe(f.status);
      expect(res.body!.error).toMatchObject({ code: "embedded_signup_failed", step: f.step });
      expect(res.body!.error.message).toMatch(f.text);
      expect(await channelRows(body.phone_number_id)).toHaveLength(0);
      expect((await api(stack, "/api/channels", { cookie: o.cookie })).body!.data).toEqual([]);
    });
  }

  it("a phone_number_id another organization holds is 409, before the code is spent; the same org may reconnect", async () => {
    const first = await owner();
    const second = await owner();
    const { waba, phone } = ids();
    expect((await api(stack, "/api/channels/embedded-signup", { cookie: first.cookie, body: { code: "c1", waba_id: waba, phone_number_id: phone } })).status).toBe(201);
    const exchanges = stack.graph.state.calls.oauth_access_token;
    const taken = await api(stack, "/api/channels/embedded-signup", { cookie: second.cookie, body: { code: "c2", waba_id: waba, phone_number_id: phone } });
    expect(taken.status).toBe(409);
    expect(taken.body!.error.code).toBe("phone_number_taken");
    expect(taken.body!.error.message).toMatch(/another organization/);
    expect(stack.graph.state.calls.oauth_access_token).toBe(exchanges);
    const rows = await channelRows(phone);
    expect(rows).toHaveLength(1);
    expect(rows[0].org_id).toBe(first.orgId);
    // Sandbox connect of the same number by the second org is refused the same way.
    const { connectSandboxChannel } = await import("../../lib/channels/channels");
    await expect(connectSandboxChannel({ orgId: second.orgId, displayPhone: "+919876543210", phoneNumberId: phone })).rejects.toMatchObject({ status: 409 });
    // The first org reconnects (a token refresh): same row, new token.
    await withService((db) => db.query("update public.channels set status = 'token_expired' where phone_number_id = $1", [phone]));
    const again = await api(stack, "/api/channels/embedded-signup", { cookie: first.cookie, body: { code: "c3", waba_id: waba, phone_number_id: phone } });
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ id: rows[0].id, status: "connected" });
  });

  it("only owners and admins (in a session) may connect numbers", async () => {
    const agent = await owner("agent");
    const { waba, phone } = ids();
    const res = await api(stack, "/api/channels/embedded-signup", { cookie: agent.cookie, body: { code: "c", waba_id: waba, phone_number_id: phone } });
    expect(res.status).toBe(403);
    expect((await api(stack, "/api/channels/sandbox", { cookie: agent.cookie, body: { display_phone: "+919876543210" } })).status).toBe(403);
    expect((await api(stack, "/api/channels/embedded-signup", { body: { code: "c", waba_id: waba, phone_number_id: phone } })).status).toBe(401);
    const bad = await api(stack, "/api/channels/embedded-signup", { cookie: (await owner()).cookie, body: { code: "c", waba_id: "abc", phone_number_id: phone } });
    expect(bad.status).toBe(400);
    expect(bad.body!.error.message).toMatch(/waba_id/);
  });
});

describe("sandbox channels, default and disconnect", () => {
  it("connects sandbox numbers, moves the default, and disconnecting drops the token and promotes another", async () => {
    const o = await owner();
    const one = await api(stack, "/api/channels/sandbox", { cookie: o.cookie, body: { display_phone: "+91 98765 43210" } });
    expect(one.status).toBe(201);
    expect(one.body).toMatchObject({ mode: "sandbox", status: "connected", is_default: true, display_phone_number: "+91 98765 43210" });
    const two = await api(stack, "/api/channels/sandbox", { cookie: o.cookie, body: { display_phone: "919812345678" } });
    expect(two.body).toMatchObject({ is_default: false });
    expect((await api(stack, "/api/channels/sandbox", { cookie: o.cookie, body: { display_phone: "12" } })).status).toBe(400);

    const d = await api(stack, `/api/channels/${two.body!.id}/default`, { cookie: o.cookie, method: "POST" });
    expect(d.body).toMatchObject({ id: two.body!.id, is_default: true });
    let list = (await api(stack, "/api/channels", { cookie: o.cookie })).body!.data;
    expect(list.map((c: { id: string; is_default: boolean }) => [c.id, c.is_default])).toEqual([
      [two.body!.id, true],
      [one.body!.id, false],
    ]);
    const off = await api(stack, `/api/channels/${two.body!.id}/disconnect`, { cookie: o.cookie, method: "POST" });
    expect(off.body).toMatchObject({ status: "disconnected", is_default: false });
    const [row] = await channelRows(off.body!.phone_number_id);
    expect(row.access_token_encrypted).toBeNull();
    list = (await api(stack, "/api/channels", { cookie: o.cookie })).body!.data;
    expect(list.find((c: { id: string }) => c.id === one.body!.id).is_default).toBe(true);
    const cannot = await api(stack, `/api/channels/${two.body!.id}/default`, { cookie: o.cookie, method: "POST" });
    expect(cannot.status).toBe(422);
  });

  it("the demo seed has a default sandbox channel and contacts, and seeding twice changes nothing", async () => {
    const first = await seedDemo();
    await seedDemo();
    const counts = await withService(async (db) => {
      const c = await db.query("select count(*)::int as n, bool_or(is_default) as d from public.channels where org_id = $1", [first.orgId]);
      const k = await db.query("select count(*)::int as n from public.contacts where org_id = $1", [first.orgId]);
      return { channels: c.rows[0], contacts: k.rows[0].n };
    });
    expect(counts.channels).toEqual({ n: 1, d: true });
    expect(counts.contacts).toBe(2);
  });
});
