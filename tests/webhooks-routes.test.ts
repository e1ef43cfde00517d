import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { signSession } from "../lib/auth/session";
import { resetEnvCache } from "../lib/config/env";
import { closePools } from "../lib/db/pool";
import { withService } from "../lib/db/tx";
import { emitEvent, eventIds } from "../lib/webhooks/events";
import { verifyWebhookSignature } from "../lib/webhooks/signature";
import { makeOrg, makeUser } from "./helpers/factories";
import { serveRoutes } from "./helpers/serve-routes";
import { startReceiver } from "./helpers/webhook-receiver";
import * as list from "../app/api/settings/webhooks/route";
import * as one from "../app/api/settings/webhooks/[id]/route";
import * as rotate from "../app/api/settings/webhooks/[id]/rotate-secret/route";
import * as test from "../app/api/settings/webhooks/[id]/test/route";
import * as deliveries from "../app/api/settings/webhooks/[id]/deliveries/route";
import * as retry from "../app/api/settings/webhooks/deliveries/[id]/retry/route";

let server: Awaited<ReturnType<typeof serveRoutes>>;
beforeAll(async () => {
  server = await serveRoutes({
    "/api/settings/webhooks": list,
    "/api/settings/webhooks/deliveries/[id]/retry": retry,
    "/api/settings/webhooks/[id]": one,
    "/api/settings/webhooks/[id]/rotate-secret": rotate,
    "/api/settings/webhooks/[id]/test": test,
    "/api/settings/webhooks/[id]/deliveries": deliveries,
  });
});
afterAll(async () => {
  await server.close();
  await closePools();
});
afterEach(() => {
  delete process.env.SANDBOX_ENABLED;
  resetEnvCache();
});

function production() {
  process.env.SANDBOX_ENABLED = "false";
  resetEnvCache();
}

async function cookieFor(user: { id: string; email: string }) {
  return `wa_session=${await signSession(user)}`;
}

async function call(path: string, cookie: string, init: { method?: string; body?: unknown; raw?: string } = {}) {
  const res = await fetch(server.url + path, {
    method: init.method ?? "GET",
    headers: { cookie, "content-type": "application/json" },
    body: init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

async function endpointCount(orgId: string) {
  const { rows } = await withService((db) => db.query<{ n: number }>("select count(*)::int as n from public.webhook_endpoints where org_id = $1", [orgId]));
  return rows[0].n;
}

describe("webhook settings API", () => {
  it("creates an endpoint and shows its secret once; the list never carries it", async () => {
    const org = await makeOrg();
    const owner = await cookieFor(org.user);
    const created = await call("/api/settings/webhooks", owner, {
      method: "POST",
      body: { url: "https://crm.example.com/wa", events: ["message.received", "message.status", "message.received"], description: "CRM" },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get("cache-control")).toBe("no-store");
    expect(created.body).toMatchObject({
      url: "https://crm.example.com/wa",
      events: ["message.received", "message.status"],
      description: "CRM",
      enabled: true,
      last_delivery: null,
    });
    expect(created.body.secret).toMatch(/^whsec_/);
    const listed = await call("/api/settings/webhooks", owner);
    expect(listed.status).toBe(200);
    expect(listed.body.event_types).toEqual(["message.received", "message.status", "wallet.low_balance"]);
    expect(listed.body.data).toHaveLength(1);
    expect(JSON.stringify(listed.body)).not.toContain(created.body.secret);
    expect(listed.body.data[0]).not.toHaveProperty("secret");
  });

  it("rejects bad input with a field message and writes nothing", async () => {
    const org = await makeOrg();
    const owner = await cookieFor(org.user);
    const bad = async (body: unknown) => {
      const r = await call("/api/settings/webhooks", owner, { method: "POST", body });
      expect(r.status).toBe(400);
      return r.body.error as { code: string; message: string; fields: Array<{ path: string; message: string }> };
    };
    expect((await bad({ url: "https://crm.example.com/wa", events: ["message.sent"] })).fields).toEqual([
      { path: "events.0", message: 'Unknown event type "message.sent"; use message.received, message.status, wallet.low_balance' },
    ]);
    expect((await bad({ url: "https://crm.example.com/wa", events: [] })).fields[0]).toEqual({ path: "events", message: "Choose at least one event" });
    expect((await bad({ url: "not a url", events: ["message.status"] })).fields[0].path).toBe("url");
    expect((await bad({ url: "https://10.0.0.1/x", events: ["message.status"] })).fields[0].message).toMatch(/private/);
    expect((await bad({ url: "http://crm.example.com/wa", events: ["message.status"] })).fields[0]).toMatchObject({ path: "url" });
    production();
    const http = await bad({ url: "http://localhost:4000/hook", events: ["message.status"] });
    expect(http.fields[0]).toEqual({ path: "url", message: "This URL points at this server itself (localhost); use a public https URL" });
    expect((await bad({ url: "http://crm.example.com/wa", events: ["message.status"] })).fields[0]).toEqual({
      path: "url",
      message: "The URL must start with https://",
    });
    const bodyless = await call("/api/settings/webhooks", owner, { method: "POST", raw: "{" });
    expect(bodyless.status).toBe(400);
    expect(await endpointCount(org.orgId)).toBe(0);
  });

  it("allows http to localhost only in sandbox mode", async () => {
    const org = await makeOrg();
    const owner = await cookieFor(org.user);
    const ok = await call("/api/settings/webhooks", owner, { method: "POST", body: { url: "http://localhost:4000/hook", events: ["message.status"] } });
    expect(ok.status).toBe(201);
  });

  it("updates, disables, rotates and deletes; bad updates are 400 and change nothing", async () => {
    const org = await makeOrg();
    const owner = await cookieFor(org.user);
    const { body: ep } = await call("/api/settings/webhooks", owner, {
      method: "POST",
      body: { url: "https://crm.example.com/wa", events: ["message.received"] },
    });
    const patched = await call(`/api/settings/webhooks/${ep.id}`, owner, {
      method: "PATCH",
      body: { enabled: false, events: ["wallet.low_balance"], description: "Billing" },
    });
    expect(patched).toMatchObject({ status: 200, body: { enabled: false, events: ["wallet.low_balance"], description: "Billing", url: ep.url } });
    const badPatch = await call(`/api/settings/webhooks/${ep.id}`, owner, { method: "PATCH", body: { url: "ftp://x.example.com", enabled: true } });
    expect(badPatch.status).toBe(400);
    expect(badPatch.body.error.fields[0].path).toBe("url");
    expect((await call(`/api/settings/webhooks/${ep.id}`, owner, { method: "PATCH", body: {} })).status).toBe(400);
    expect((await call("/api/settings/webhooks", owner)).body.data[0]).toMatchObject({ enabled: false, url: ep.url });

    const rotated = await call(`/api/settings/webhooks/${ep.id}/rotate-secret`, owner, { method: "POST" });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(ep.secret);
    expect(new Date(rotated.body.previous_secret_expires_at).getTime()).toBeGreaterThan(Date.now() + 23 * 3600_000);
    const now = await call(`/api/settings/webhooks/${ep.id}/rotate-secret`, owner, { method: "POST", body: { previous_secret_valid_hours: 0 } });
    expect(now.body.previous_secret_expires_at).toBeNull();
    const badRotate = await call(`/api/settings/webhooks/${ep.id}/rotate-secret`, owner, { method: "POST", body: { previous_secret_valid_hours: 48 } });
    expect(badRotate.status).toBe(400);
    expect(badRotate.body.error.fields[0]).toEqual({ path: "previous_secret_valid_hours", message: "At most 24 hours" });

    expect((await call(`/api/settings/webhooks/${ep.id}`, owner, { method: "DELETE" })).status).toBe(204);
    expect((await call(`/api/settings/webhooks/${ep.id}`, owner, { method: "DELETE" })).status).toBe(404);
    expect(await endpointCount(org.orgId)).toBe(0);
  });

  it("sends a test event and shows the outcome; the log pages newest first and a delivery can be retried", async () => {
    let answer = 200;
    const rx = await startReceiver(() => answer);
    try {
      const org = await makeOrg();
      const owner = await cookieFor(org.user);
      const { body: ep } = await call("/api/settings/webhooks", owner, { method: "POST", body: { url: `${rx.url}/in`, events: ["message.received"] } });
      const sent = await call(`/api/settings/webhooks/${ep.id}/test`, owner, { method: "POST" });
      expect(sent).toMatchObject({ status: 200, body: { event_type: "webhook.test", status: "succeeded", last_status_code: 200, attempts: 1 } });
      expect(verifyWebhookSignature(rx.received[0].body, rx.received[0].headers as Record<string, string>, ep.secret)).toBe(true);

      await withService(async (db) => {
        for (let i = 0; i < 5; i++) {
          await emitEvent(db, {
            orgId: org.orgId,
            type: "message.received",
            id: eventIds.messageReceived(`wamid.page.${i}`),
            data: { message_id: `m${i}`, wamid: `wamid.page.${i}`, channel_id: null, contact_id: null, from: "91", profile_name: null, type: "text", text: "hi", content: {}, timestamp: "t" },
          });
        }
      });
      const p1 = await call(`/api/settings/webhooks/${ep.id}/deliveries?limit=4`, owner);
      expect(p1.status).toBe(200);
      expect(p1.body.data.map((d: { event_id: string }) => d.event_id)).toEqual([4, 3, 2, 1].map((i) => `message.received:wamid.page.${i}`));
      const p2 = await call(`/api/settings/webhooks/${ep.id}/deliveries?limit=4&cursor=${p1.body.next_cursor}`, owner);
      expect(p2.body.data.map((d: { event_type: string }) => d.event_type)).toEqual(["message.received", "webhook.test"]);
      expect(p2.body.next_cursor).toBeNull();
      const ok = await call(`/api/settings/webhooks/${ep.id}/deliveries?status=succeeded`, owner);
      expect(ok.body.data).toHaveLength(1);
      expect((await call(`/api/settings/webhooks/${ep.id}/deliveries?limit=500`, owner)).status).toBe(400);

      answer = 500;
      const failed = await call(`/api/settings/webhooks/${ep.id}/test`, owner, { method: "POST" });
      expect(failed.body).toMatchObject({ status: "dead", last_status_code: 500, last_error: "HTTP 500" });
      answer = 200;
      const retried = await call(`/api/settings/webhooks/deliveries/${failed.body.id}/retry`, owner, { method: "POST" });
      expect(retried).toMatchObject({ status: 200, body: { id: failed.body.id, status: "succeeded", attempts: 2 } });
    } finally {
      await rx.close();
    }
  });

  it("another organization's endpoints and deliveries are 404 everywhere, and untouched", async () => {
    const rx = await startReceiver(() => 200);
    try {
      const a = await makeOrg();
      const b = await makeOrg();
      const ownerA = await cookieFor(a.user);
      const ownerB = await cookieFor(b.user);
      const { body: epB } = await call("/api/settings/webhooks", ownerB, { method: "POST", body: { url: rx.url, events: ["message.status"] } });
      const { body: delB } = await call(`/api/settings/webhooks/${epB.id}/test`, ownerB, { method: "POST" });
      expect(rx.received).toHaveLength(1);

      expect((await call("/api/settings/webhooks", ownerA)).body.data).toEqual([]);
      const attempts = [
        call(`/api/settings/webhooks/${epB.id}`, ownerA, { method: "PATCH", body: { enabled: false } }),
        call(`/api/settings/webhooks/${epB.id}`, ownerA, { method: "DELETE" }),
        call(`/api/settings/webhooks/${epB.id}/rotate-secret`, ownerA, { method: "POST" }),
        call(`/api/settings/webhooks/${epB.id}/test`, ownerA, { method: "POST" }),
        call(`/api/settings/webhooks/${epB.id}/deliveries`, ownerA),
        call(`/api/settings/webhooks/deliveries/${delB.id}/retry`, ownerA, { method: "POST" }),
        call("/api/settings/webhooks/not-a-uuid", ownerA, { method: "DELETE" }),
        call("/api/settings/webhooks/deliveries/abc/retry", ownerA, { method: "POST" }),
      ];
      for (const r of await Promise.all(attempts)) expect([r.status, r.body.error.code]).toEqual([404, "not_found"]);
      expect(rx.received).toHaveLength(1);
      const still = await call("/api/settings/webhooks", ownerB);
      expect(still.body.data).toMatchObject([{ id: epB.id, enabled: true }]);
    } finally {
      await rx.close();
    }
  });

  it("agents get 403, signed-out callers 401", async () => {
    const org = await makeOrg();
    const agent = await makeUser();
    await withService((db) => db.query("insert into public.memberships (org_id, user_id, role) values ($1, $2, 'agent')", [org.orgId, agent.id]));
    const cookie = await cookieFor(agent);
    expect((await call("/api/settings/webhooks", cookie)).status).toBe(403);
    expect((await call("/api/settings/webhooks", cookie, { method: "POST", body: { url: "https://x.example.com/h", events: ["message.status"] } })).status).toBe(403);
    expect((await call("/api/settings/webhooks", "")).status).toBe(401);
    expect(await endpointCount(org.orgId)).toBe(0);
  });

  it("caps the number of endpoints per organization", async () => {
    const org = await makeOrg();
    const owner = await cookieFor(org.user);
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        call("/api/settings/webhooks", owner, { method: "POST", body: { url: `https://h${i}.example.com/x`, events: ["message.status"] } }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(10);
    expect(results.filter((r) => r.status === 409).map((r) => r.body.error.code)).toEqual(["too_many_endpoints", "too_many_endpoints"]);
    expect(await endpointCount(org.orgId)).toBe(10);
  });
});
