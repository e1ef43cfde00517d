import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import * as simulateRoute from "../../app/api/sandbox/simulate-inbound/route";
import * as webhookRoute from "../../app/api/webhook/route";
import { resetEnvCache } from "../../lib/config/env";
import { closePools } from "../../lib/db/pool";
import { withService } from "../../lib/db/tx";
import { simulateInbound } from "../../lib/sandbox/simulate-inbound";
import { serveRoutes } from "../helpers/serve-routes";
import { addMemberWithCookie, makeChannel, makeOrgWithChannel, sessionCookie, waitProcessed } from "../helpers/webhook";

let server: Awaited<ReturnType<typeof serveRoutes>>;
beforeAll(async () => {
  server = await serveRoutes({ "/api/webhook": webhookRoute, "/api/sandbox/simulate-inbound": simulateRoute });
  process.env.APP_URL = server.url;
  resetEnvCache();
});
afterEach(() => {
  delete process.env.SANDBOX_ENABLED;
  resetEnvCache();
});
afterAll(async () => {
  await server.close();
  await closePools();
});

async function inbound(orgId: string) {
  const { rows } = await withService((db) =>
    db.query<{ wamid: string; text: string; wa_id: string; profile_name: string | null }>(
      `select m.wamid, m.text, c.wa_id, c.profile_name from public.messages m join public.contacts c on c.id = m.contact_id
       where m.org_id = $1 and m.direction = 'inbound' order by m.created_at`,
      [orgId],
    ),
  );
  return rows;
}

describe("simulateInbound", () => {
  it("delivers a signed payload through the real webhook", async () => {
    const org = await makeOrgWithChannel();
    const r = await simulateInbound({
      appUrl: server.url,
      appSecret: process.env.META_APP_SECRET!,
      phoneNumberId: org.channel.phoneNumberId,
      from: "919812345678",
      text: "Is this open on Sunday?",
      profileName: "Meera",
    });
    expect(r.status).toBe(200);
    await waitProcessed([`msg:${r.wamid}`]);
    expect(await inbound(org.orgId)).toEqual([{ wamid: r.wamid, text: "Is this open on Sunday?", wa_id: "919812345678", profile_name: "Meera" }]);
  });

  it("fails loudly when signed with the wrong secret (the webhook refuses it)", async () => {
    const org = await makeOrgWithChannel();
    await expect(
      simulateInbound({ appUrl: server.url, appSecret: "wrong", phoneNumberId: org.channel.phoneNumberId, from: "919812345678", text: "hi" }),
    ).rejects.toThrow(/answered 401/);
    expect(await inbound(org.orgId)).toEqual([]);
  });
});

describe("POST /api/sandbox/simulate-inbound", () => {
  const post = (cookie: string | null, body: unknown) =>
    fetch(`${server.url}/api/sandbox/simulate-inbound`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(cookie ? { cookie } : {}) },
      body: JSON.stringify(body),
    });

  it("lets any member simulate a customer message on their own sandbox channel", async () => {
    const org = await makeOrgWithChannel();
    const agent = await addMemberWithCookie(org.orgId, "agent");
    const res = await post(agent.cookie, { channel_id: org.channel.id, from: "+91 98123-45678", text: "Hello shop" });
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body).toMatchObject({ channel_id: org.channel.id, status: 200 });
    await waitProcessed([`msg:${body.wamid}`]);
    expect(await inbound(org.orgId)).toMatchObject([{ text: "Hello shop", wa_id: "919812345678" }]);
  });

  it("404s another organization's channel; 409s a live channel; 400s bad input; 401s without a session", async () => {
    const a = await makeOrgWithChannel();
    const b = await makeOrgWithChannel();
    const cookie = await sessionCookie(a.user, a.orgId);
    expect((await post(cookie, { channel_id: b.channel.id, from: "919812345678", text: "hi" })).status).toBe(404);
    const live = await makeChannel(a.orgId, { isDefault: false });
    await withService((db) => db.query("update public.channels set mode = 'live' where id = $1", [live.id]));
    const res = await post(cookie, { channel_id: live.id, from: "919812345678", text: "hi" });
    expect(res.status).toBe(409);
    expect((await res.json()).error.code).toBe("channel_not_sandbox");
    const bad = await post(cookie, { channel_id: a.channel.id, from: "12", text: "" });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.message).toMatch(/from must be a phone number/);
    expect((await post(null, { channel_id: a.channel.id, from: "919812345678", text: "hi" })).status).toBe(401);
    expect(await inbound(a.orgId)).toEqual([]);
    expect(await inbound(b.orgId)).toEqual([]);
  });

  it("does not exist when sandbox features are off", async () => {
    const org = await makeOrgWithChannel();
    process.env.SANDBOX_ENABLED = "false";
    resetEnvCache();
    const res = await post(await sessionCookie(org.user, org.orgId), { channel_id: org.channel.id, from: "919812345678", text: "hi" });
    expect(res.status).toBe(404);
    expect(await inbound(org.orgId)).toEqual([]);
  });
});
