import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { inboundTextPayload } from "../lib/whatsapp/webhook-payloads";
import { signMetaPayload } from "../lib/whatsapp/signature";

// The production build served by playwright.config.ts, with its secrets in .test-data/e2e.
const secrets = JSON.parse(readFileSync(".test-data/e2e/secrets.json", "utf8")) as Record<string, string>;

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else yield p;
  }
}

test("no server secret appears in the client bundle", () => {
  const values = Object.values(secrets).filter((v) => v.length >= 16);
  expect(values.length).toBeGreaterThan(3);
  const names = ["SUPABASE_SERVICE_ROLE_KEY", "RAZORPAY_KEY_SECRET", "RAZORPAY_WEBHOOK_SECRET", "META_APP_SECRET", "APP_ENCRYPTION_KEY", "AUTH_SECRET"];
  let scanned = 0;
  for (const file of files(".next/static")) {
    const text = readFileSync(file, "utf8");
    scanned++;
    for (const v of values) expect(text.includes(v), `${file} contains a secret value`).toBe(false);
    for (const n of names) expect(text.includes(n), `${file} mentions ${n}`).toBe(false);
  }
  expect(scanned).toBeGreaterThan(0);
});

test("pages and APIs send the security headers, also from the server's fast lane", async ({ request }) => {
  const responses = [
    ...(await Promise.all(["/login", "/api/v1/wallet"].map(async (url) => [url, await request.get(url, { maxRedirects: 0 })] as const))),
    // Served by the fast lane (scripts/web-server.ts), not by Next.js's router.
    ["POST /api/webhook", await request.post("/api/webhook", { data: "{}" })] as const,
    ["POST /api/v1/messages", await request.post("/api/v1/messages", { headers: { authorization: "Bearer wk_junk" }, data: {} })] as const,
  ];
  for (const [url, res] of responses) {
    const h = res.headers();
    expect(h["content-security-policy"], url).toContain("frame-ancestors 'none'");
    expect(h["x-content-type-options"], url).toBe("nosniff");
    expect(h["strict-transport-security"], url).toContain("max-age=");
    expect(h["x-powered-by"], url).toBeUndefined();
  }
});

test("an unauthenticated API call gets a JSON 401, not a page", async ({ request }) => {
  const res = await request.get("/api/v1/wallet");
  expect(res.status()).toBe(401);
  const body = await res.json();
  expect(body.error.code).toBe("unauthorized");
});

test("the fast lane answers like the routes: a signed Meta webhook is stored once; a bad signature, a body over 3 MB and a bad API key are refused", async ({ request }) => {
  const raw = JSON.stringify(
    inboundTextPayload({ phoneNumberId: "100000000000001", displayPhoneNumber: "+91 90000 00001" }, { from: "919000000123", wamid: `wamid.e2e-${Date.now()}`, text: "hi" }),
  );
  const post = (signature: string) => request.post("/api/webhook", { headers: { "content-type": "application/json", "x-hub-signature-256": signature }, data: raw });
  const first = await post(signMetaPayload(raw, secrets.META_APP_SECRET));
  expect(first.status()).toBe(200);
  expect(await first.json()).toEqual({ received: 1, new: 1 });
  const replay = await post(signMetaPayload(raw, secrets.META_APP_SECRET));
  expect(await replay.json()).toEqual({ received: 1, new: 0 });
  const forged = await post(signMetaPayload(raw, "not-the-app-secret"));
  expect(forged.status()).toBe(401);
  expect((await forged.json()).error.code).toBe("invalid_signature");

  const huge = await request.post("/api/webhook", { headers: { "content-type": "application/json" }, data: "x".repeat(3 * 1024 * 1024 + 1) });
  expect(huge.status()).toBe(413);
  expect((await huge.json()).error.code).toBe("payload_too_large");

  const send = await request.post("/api/v1/messages", { headers: { authorization: "Bearer wk_not_a_key" }, data: { to: "+919000000123", type: "text", text: { body: "x" } } });
  expect(send.status()).toBe(401);
  expect((await send.json()).error.code).toBe("unauthorized");
});

test("the front serves the whole public API to API keys, answering methods as Next.js does, and passes other paths on", async ({ playwright, baseURL }) => {
  const owner = await playwright.request.newContext({ baseURL });
  expect((await owner.post("/api/auth/login", { data: { email: "demo@wa.local", password: "demo-password-123" } })).ok()).toBe(true);
  const created = await owner.post("/api/settings/api-keys", { data: { name: "e2e front" } });
  expect(created.status()).toBe(201);
  const { key } = (await created.json()) as { key: string };
  const dev = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { authorization: `Bearer ${key}` } });

  const wallet = await dev.get("/api/v1/wallet");
  expect(wallet.status()).toBe(200);
  expect(typeof (await wallet.json()).balance_paise).toBe("number");
  expect(wallet.headers()["x-frame-options"]).toBe("DENY");
  // A dynamic route with its parameter, from the list's first contact.
  const list = await dev.get("/api/v1/contacts?limit=1");
  expect(list.status()).toBe(200);
  const [first] = (await list.json()).data as Array<{ id: string }>;
  expect(first).toBeDefined();
  const one = await dev.get(`/api/v1/contacts/${first.id}`);
  expect(one.status()).toBe(200);
  expect(JSON.stringify(await one.json())).toContain(first.id);
  // HEAD falls back to GET without a body; OPTIONS lists the methods; another method is a 405.
  const head = await dev.head("/api/v1/wallet");
  expect(head.status()).toBe(200);
  expect(await head.body()).toHaveLength(0);
  const options = await dev.fetch("/api/v1/wallet", { method: "OPTIONS" });
  expect(options.status()).toBe(204);
  expect(options.headers()["allow"]).toBe("GET, HEAD, OPTIONS");
  const wrong = await dev.delete("/api/v1/wallet");
  expect(wrong.status()).toBe(405);
  expect((await wrong.json()).error.code).toBe("method_not_allowed");
  // No such API route: Next.js answers, through the front.
  expect((await dev.get("/api/v1/no-such-thing")).status()).toBe(404);
  await Promise.all([owner.dispose(), dev.dispose()]);
});
