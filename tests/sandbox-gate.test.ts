import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { resetEnvCache } from "../lib/config/env";
import { closePools } from "../lib/db/pool";
import { startRazorpaySandbox, type RazorpaySandbox } from "../lib/sandbox/razorpay-server";
import { listApiRoutes, listPages, loadApiRoutes, type Method } from "./helpers/app-routes";
import { makeTenant, type Tenant } from "./helpers/messaging";
import { serveRoutes } from "./helpers/serve-routes";
import { sessionCookie } from "./helpers/webhook";

// The sandbox (fake WhatsApp numbers, fake payments, simulated inbound messages) must not exist on
// a production server unless SANDBOX_ENABLED=true says so. Every sandbox route — everything under
// app/api/sandbox/ and app/sandbox/ (read from disk), plus the sandbox-only routes listed below —
// answers 404 with NODE_ENV=production, to every caller, even with everything else configured;
// and is reachable (not 404) once SANDBOX_ENABLED=true.

// Pages are server components; outside Next's react-server build, "server-only" would refuse the import.
vi.mock("server-only", () => ({}));

/** Sandbox-only routes that live outside the sandbox folders. */
const OTHER_SANDBOX_ROUTES = ["/api/channels/sandbox"];

const sandboxRoutes = () => listApiRoutes().filter((r) => r.pattern.startsWith("/api/sandbox/") || OTHER_SANDBOX_ROUTES.includes(r.pattern));
const sandboxPages = () => listPages().filter((p) => p.pattern.startsWith("/sandbox/"));

let app: { url: string; close(): Promise<void> };
let methods: Record<string, Method[]>;
let t: Tenant;
let cookie: string;
let rzp: RazorpaySandbox;
const saved = { NODE_ENV: process.env.NODE_ENV, SANDBOX_ENABLED: process.env.SANDBOX_ENABLED };

beforeAll(async () => {
  const loaded = await loadApiRoutes();
  methods = loaded.methods;
  app = await serveRoutes(loaded.modules);
  t = await makeTenant();
  cookie = await sessionCookie({ id: t.userId, email: "sandbox-gate@example.test" }, t.orgId);
  // Everything the sandbox needs is configured, so production mode is the only reason left for a 404.
  rzp = await startRazorpaySandbox({ webhookUrl: `${app.url}/api/razorpay/webhook`, maxAttempts: 1 });
  Object.assign(process.env, { RAZORPAY_SANDBOX_URL: rzp.url, SANDBOX_RAZORPAY_KEY_SECRET: rzp.keySecret, SANDBOX_RAZORPAY_WEBHOOK_SECRET: rzp.webhookSecret });
});
afterAll(async () => {
  Object.assign(process.env, saved);
  if (saved.SANDBOX_ENABLED === undefined) delete process.env.SANDBOX_ENABLED;
  resetEnvCache();
  await rzp?.stop();
  await app?.close();
  await closePools();
});

function mode(nodeEnv: string, sandboxEnabled: string | undefined) {
  (process.env as Record<string, string>).NODE_ENV = nodeEnv;
  if (sandboxEnabled === undefined) delete process.env.SANDBOX_ENABLED;
  else process.env.SANDBOX_ENABLED = sandboxEnabled;
  resetEnvCache();
}

const callers = () => [
  { name: "anonymous", headers: {} as Record<string, string> },
  { name: "owner (session)", headers: { cookie } },
  { name: "API key", headers: { authorization: `Bearer ${t.apiKey}` } },
];
// Plausible bodies, so a refusal cannot come from validation.
const BODIES: Record<string, unknown> = {
  "/api/channels/sandbox": { display_phone: "+91 90000 12345" },
  "/api/sandbox/simulate-inbound": { from: "+919876543210", text: "hello" },
  "/api/sandbox/razorpay/pay": { order_id: "order_x", outcome: "success" },
};

async function call(pattern: string, method: Method, headers: Record<string, string>) {
  const res = await fetch(`${app.url}${pattern}`, {
    method,
    headers: { ...headers, ...(method === "GET" ? {} : { "content-type": "application/json" }) },
    body: method === "GET" ? undefined : JSON.stringify(BODIES[pattern] ?? {}),
  });
  return { status: res.status, text: await res.text() };
}

describe("sandbox routes are off in production unless SANDBOX_ENABLED=true", () => {
  it("finds the sandbox routes and pages on disk", () => {
    expect(sandboxRoutes().map((r) => r.pattern)).toEqual(expect.arrayContaining(["/api/sandbox/razorpay/pay", "/api/sandbox/simulate-inbound", "/api/channels/sandbox"]));
    expect(sandboxPages().map((p) => p.pattern)).toContain("/sandbox/checkout");
  });

  it("NODE_ENV=production, SANDBOX_ENABLED unset or false: every method, every caller → 404", async () => {
    const failures: string[] = [];
    for (const flag of [undefined, "false"]) {
      mode("production", flag);
      for (const r of sandboxRoutes()) {
        for (const method of methods[r.pattern]) {
          for (const c of callers()) {
            const a = await call(r.pattern, method, c.headers);
            if (a.status !== 404) failures.push(`SANDBOX_ENABLED=${flag}: ${c.name} ${method} ${r.pattern} → ${a.status} ${a.text.slice(0, 120)}`);
            else expect(JSON.parse(a.text).error.code).toBeTypeOf("string");
          }
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it("NODE_ENV=production with SANDBOX_ENABLED=true (and outside production by default): reachable", async () => {
    const failures: string[] = [];
    for (const [nodeEnv, flag] of [["production", "true"], ["development", undefined]] as const) {
      mode(nodeEnv, flag);
      for (const r of sandboxRoutes()) {
        for (const method of methods[r.pattern]) {
          // An owner's session with an empty body: past the gate, refused by validation instead.
          const res = await fetch(`${app.url}${r.pattern}`, { method, headers: { cookie, "content-type": "application/json" }, body: method === "GET" ? undefined : "{}" });
          if (res.status === 404 || res.status >= 500) failures.push(`${nodeEnv}/${flag}: ${method} ${r.pattern} → ${res.status} ${(await res.text()).slice(0, 120)}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it("the sandbox pages call notFound() in production unless enabled, and pass the gate when enabled", async () => {
    for (const p of sandboxPages()) {
      const mod = (await import(path.resolve(p.file))) as { default: (props: { searchParams: Promise<Record<string, string>> }) => Promise<unknown> };
      mode("production", undefined);
      const err = await mod.default({ searchParams: Promise.resolve({ order_id: "order_x" }) }).then(
        () => null,
        (e: unknown) => e as { digest?: string },
      );
      expect(err?.digest, p.file).toMatch(/NEXT_HTTP_ERROR_FALLBACK;404/);
      // Enabled: past the sandbox gate, the page goes on to ask who is signed in (which, outside a
      // request, fails in its own way) — anything but the gate's 404.
      mode("production", "true");
      const passed = await mod.default({ searchParams: Promise.resolve({ order_id: "order_x" }) }).then(
        () => null,
        (e: unknown) => e as { digest?: string; message?: string },
      );
      expect(String(passed?.digest ?? ""), `${p.file}: ${passed?.message}`).not.toMatch(/;404/);
    }
  });
});
