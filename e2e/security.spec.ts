import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";

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

test("pages and APIs send the security headers", async ({ request }) => {
  for (const url of ["/login", "/api/v1/wallet"]) {
    const res = await request.get(url, { maxRedirects: 0 });
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
