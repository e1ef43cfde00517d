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
