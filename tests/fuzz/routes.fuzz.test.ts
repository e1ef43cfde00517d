import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resetEnvCache } from "../../lib/config/env";
import { closePools } from "../../lib/db/pool";
import { withService } from "../../lib/db/tx";
import { MAX_JSON_BODY_BYTES } from "../../lib/http/errors";
import { webhookSignature } from "../../lib/payments/signature";
import { MAX_WEBHOOK_BYTES } from "../../lib/payments/webhook";
import { startSandboxGraphServer } from "../../lib/sandbox/graph-server";
import { startRazorpaySandbox } from "../../lib/sandbox/razorpay-server";
import { META_MAX_BODY_BYTES } from "../../lib/whatsapp/webhook";
import { signMetaPayload } from "../../lib/whatsapp/signature";
import { inboundTextPayload, statusPayload } from "../../lib/whatsapp/webhook-payloads";
import { fillPattern, loadApiRoutes, type Method } from "../helpers/app-routes";
import { makeTenant, type Tenant } from "../helpers/messaging";
import { serveRoutes } from "../helpers/serve-routes";
import { sessionCookie } from "../helpers/webhook";

// Fuzz: every route under app/api (read from the file system, so new routes are included) and
// both webhooks get malformed, oversized, wrongly typed and wrongly encoded bodies, headers and
// query strings — anonymous, as a session and as an API key. Never a 5xx; every error is the API's
// JSON error; a refused request changes none of the caller's rows.
// FUZZ_SEED / FUZZ_RUNS reproduce or widen a run (fast-check prints the seed and the shrunk case).

const SEED = Number(process.env.FUZZ_SEED ?? 20261130);
const RUNS = Number(process.env.FUZZ_RUNS ?? 20);

let app: { url: string; close(): Promise<void> };
let routes: Awaited<ReturnType<typeof loadApiRoutes>>;
let f: Tenant; // the fuzzing organization
let fCookie: string;
let w: Tenant; // owns the channel the signed Meta webhooks name (its async processing never touches f)
let orgTables: string[];
let stops: Array<() => Promise<void>> = [];

beforeAll(async () => {
  routes = await loadApiRoutes();
  app = await serveRoutes(routes.modules);
  // The real sandbox Graph API and Razorpay behind the routes, so a well-formed request goes all
  // the way through (an integration that is down would rightly answer 502/503).
  const graph = await startSandboxGraphServer({ appWebhookUrl: null, appSecret: process.env.META_APP_SECRET! });
  const rzp = await startRazorpaySandbox({ webhookUrl: `${app.url}/api/razorpay/webhook`, maxAttempts: 1 });
  stops = [graph.stop, rzp.stop];
  Object.assign(process.env, {
    GRAPH_API_URL: graph.url,
    RAZORPAY_SANDBOX_URL: rzp.url,
    SANDBOX_RAZORPAY_KEY_SECRET: rzp.keySecret,
    SANDBOX_RAZORPAY_WEBHOOK_SECRET: rzp.webhookSecret,
    SEND_RETRY_BASE_MS: "0",
  });
  resetEnvCache();
  f = await makeTenant({ balancePaise: 5000 });
  w = await makeTenant();
  fCookie = await sessionCookie({ id: f.userId, email: "fuzz@example.test" }, f.orgId);
  orgTables = (
    await withService((db) =>
      db.query<{ t: string }>(
        `select c.table_name as t from information_schema.columns c join information_schema.tables t using (table_schema, table_name)
         where c.table_schema = 'public' and c.column_name = 'org_id' and t.table_type = 'BASE TABLE' order by 1`,
      ),
    )
  ).rows.map((r) => r.t);
});
afterAll(async () => {
  await app?.close();
  for (const stop of stops) await stop();
  await closePools();
});

/** The fuzzing organization's footprint: row counts in every org_id table, its balance and its own row. */
async function footprint(): Promise<Record<string, string>> {
  const parts = orgTables.map((t) => `select '${t}' as k, count(*)::text as v from public.${t} where org_id = $1`);
  parts.push("select 'wallet_balance', balance_paise::text from public.wallets where org_id = $1");
  parts.push("select 'organization', md5(o::text) from public.organizations o where id = $1");
  const { rows } = await withService(async (db) => {
    // Taken thousands of times while other files fill big tables: keep it on the org_id indexes
    // (stale statistics otherwise pick parallel sequential scans of every table, each time).
    await db.query("set local enable_seqscan = off; set local max_parallel_workers_per_gather = 0");
    return db.query<{ k: string; v: string }>(parts.join(" union all "), [f.orgId]);
  });
  return Object.fromEntries(rows.map((r) => [r.k, r.v]));
}

// ---------- generators ----------
const KEYS = [
  "to", "type", "text", "body", "name", "email", "password", "full_name", "org", "org_id", "amount_paise", "paise", "url", "events",
  "role", "phone", "display_phone", "wa_id", "tags", "tag", "enabled", "match", "reply", "status", "channel_id", "contact", "id",
  "user_id", "payment_id", "order_id", "razorpay_payment_id", "razorpay_order_id", "razorpay_signature", "token", "code", "kind",
  "reason", "threshold_paise", "fee_paise", "limit", "cursor", "direction", "template", "components", "language", "interactive",
  "image", "attributes", "opted_out", "description", "priority", "keywords", "q", "rows", "csv", "phone_number_id", "waba_id", "pin",
  "__proto__", "constructor",
] as const;
const QUERY_KEYS = ["limit", "cursor", "status", "direction", "contact", "q", "tag", "from", "to", "days", "range", "channel_id", "kind", "org", "search", "page", "format", "hub.mode", "hub.verify_token", "hub.challenge", "unread", "before"] as const;

const scalar = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 1, 2 ** 31, 2 ** 53, -(2 ** 63), 1e308, Number.MAX_SAFE_INTEGER + 2, 0.5, -0),
  fc.boolean(),
  fc.constant(null),
  fc.uuid(),
  fc.constantFrom("+919876543210", "919876543210", "not-a-phone", "a@b.c", "http://127.0.0.1/x", "https://example.com/hook", "x".repeat(5000), "\u0000", "<script>alert(1)</script>", "' or 1=1 --", "NaN", "Infinity", "1e400", ""),
);
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: "small", withCrossShrink: true }, scalar, fc.array(tie("v"), { maxLength: 4 }), fc.dictionary(fc.constantFrom(...KEYS), tie("v"), { maxKeys: 4 })),
})).v;

/** A request body; prints as its kind and first bytes, so a failure report stays readable. */
class Body {
  constructor(
    readonly bytes: Uint8Array | null,
    readonly label: string,
  ) {}
  [fc.toStringMethod]() {
    if (!this.bytes) return `Body(${this.label}: none)`;
    const preview = Buffer.from(this.bytes.subarray(0, 120)).toString("utf8");
    return `Body(${this.label}, ${this.bytes.byteLength} bytes: ${JSON.stringify(preview)}${this.bytes.byteLength > 120 ? "…" : ""})`;
  }
}
const mk = (bytes: Uint8Array | null, label: string) => new Body(bytes, label);
const enc = (s: string) => new TextEncoder().encode(s);
const body: fc.Arbitrary<Body> = fc.oneof(
  { weight: 4, arbitrary: fc.dictionary(fc.constantFrom(...KEYS), value, { maxKeys: 6 }).map((o) => mk(enc(JSON.stringify(o)), "object")) },
  { weight: 2, arbitrary: fc.jsonValue().map((v) => mk(enc(JSON.stringify(v) ?? "null"), "json")) },
  { weight: 2, arbitrary: fc.string({ maxLength: 200 }).map((s) => mk(enc(s), "text")) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => mk(b, "bytes")) },
  // Invalid UTF-8 inside otherwise valid JSON.
  { weight: 1, arbitrary: fc.constantFrom([0xff], [0xc3, 0x28], [0xe2, 0x82], [0xed, 0xa0, 0x80]).map((bad) => mk(new Uint8Array([...enc('{"name":"'), ...bad, ...enc('","text":"x"}')]), "bad-utf8")) },
  { weight: 1, arbitrary: fc.constantFrom("[".repeat(5000) + "]".repeat(5000), '{"a":'.repeat(3000) + "1" + "}".repeat(3000), "{\"text\":\"\\ud800\"}", "{\"to\":\"\\u0000\"}", "{}", "[]", "null", "0", "\"\"", "{\"__proto__\":{\"admin\":true}}").map((s) => mk(enc(s), "edge")) },
  { weight: 1, arbitrary: fc.constant(mk(null, "none")) },
);
/** Bodies over each limit (the API's, Razorpay's and Meta's). */
const oversized = (limit: number): Body => mk(enc(JSON.stringify({ text: "x".repeat(limit + 10) })), `oversized>${limit}`);

/**
 * Valid bodies per route, the starting points for "almost valid" requests: one or two fields get a
 * hostile value, disappear, or gain a stranger, so the code past the first validation is exercised
 * too. A route with no entry here still gets everything else.
 */
const VALID: Record<string, Record<string, unknown>> = {
  "POST /api/v1/messages": { to: "+919876543210", type: "text", text: { body: "hello" } },
  "POST /api/send-message": { to: "+919876543210", type: "text", text: { body: "hello" } },
  "POST /api/v1/contacts": { phone: "+919876543211", name: "Fuzz", tags: ["vip"], attributes: { city: "Pune" }, opted_out: false },
  "POST /api/contacts": { phone: "+919876543212", name: "Fuzz", tags: ["vip"], attributes: { city: "Pune" } },
  "PATCH /api/contacts/[id]": { name: "Fuzz", tags: ["a"], attributes: { k: "v" }, opted_out: true },
  "PATCH /api/v1/contacts/[id]": { name: "Fuzz", tags: ["a"], attributes: { k: null } },
  "POST /api/automations": { name: "Rule", match_type: "contains", keyword: "price", reply_text: "Our prices", priority: 5, enabled: true },
  "PATCH /api/automations/[id]": { name: "Rule", enabled: false, priority: 3 },
  "POST /api/automations/test": { text: "what is the price" },
  "POST /api/settings/webhooks": { url: "https://example.com/hook", events: ["message.status"], description: "Fuzz" },
  "PATCH /api/settings/webhooks/[id]": { url: "https://example.com/hook2", enabled: false },
  "POST /api/settings/webhooks/[id]/rotate-secret": { previous_secret_valid_hours: 24 },
  "POST /api/settings/members": { email: "fuzz-invitee@example.test", role: "agent" },
  "PATCH /api/settings/members/[userId]": { role: "admin" },
  "PATCH /api/settings/organization": { name: "Fuzz Org" },
  "PATCH /api/settings/low-balance": { threshold_paise: 5000 },
  "POST /api/settings/api-keys": { name: "fuzz key" },
  "POST /api/orgs": { name: "Fuzz Two" },
  "POST /api/orgs/switch": { orgId: "00000000-0000-4000-8000-000000000000" },
  "POST /api/wallet/recharge": { amount_paise: 10_000 },
  "POST /api/wallet/recharge/verify": { payment_id: "00000000-0000-4000-8000-000000000000", razorpay_order_id: "order_x", razorpay_payment_id: "pay_x", razorpay_signature: "00" },
  "POST /api/auth/signup": { full_name: "Fuzz", email: "fuzz-signup@example.test", password: "a-long-enough-password" },
  "POST /api/auth/login": { email: "fuzz-login@example.test", password: "a-long-enough-password" },
  "POST /api/invitations/accept": { token: "x".repeat(43) },
  "POST /api/channels/sandbox": { display_phone: "+91 90000 12345" },
  "POST /api/sandbox/simulate-inbound": { from: "+919876543210", text: "hi" },
  "POST /api/sandbox/razorpay/pay": { order_id: "order_x", outcome: "success" },
  "POST /api/operator/orgs/[id]/adjustments": { amount_paise: 100, reason: "fuzz" },
  "PATCH /api/operator/orgs/[id]": { service_fee_paise: 25, status: "active" },
};
function nearValid(valid: Record<string, unknown>): fc.Arbitrary<Body> {
  const keys = Object.keys(valid);
  const edit = fc.oneof(
    fc.record({ op: fc.constant("set" as const), key: fc.constantFrom(...keys), v: value }),
    fc.record({ op: fc.constant("drop" as const), key: fc.constantFrom(...keys), v: fc.constant(null) }),
    fc.record({ op: fc.constant("add" as const), key: fc.constantFrom(...KEYS), v: value }),
  );
  return fc.array(edit, { minLength: 1, maxLength: 2 }).map((edits) => {
    const o: Record<string, unknown> = structuredClone(valid);
    for (const e of edits) {
      if (e.op === "drop") delete o[e.key];
      else o[e.key] = e.v;
    }
    return mk(enc(JSON.stringify(o)), `near-valid ${edits.map((e) => `${e.op}:${e.key}`).join(",")}`);
  });
}

const CONTENT_TYPES = ["application/json", "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/csv", "application/json; charset=latin1", "garbage/\u00e9", ""];
const headerText = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 80 });

type CallerKind = "anonymous" | "session" | "api_key" | "junk_auth";
interface Req {
  method: Method;
  caller: CallerKind;
  fill: string[];
  query: Array<[string, string]>;
  rawQuery: string;
  contentType: string;
  extraHeaders: Array<[string, string]>;
  body: Body;
}
const segmentFill = fc.oneof(fc.uuid(), fc.constantFrom("0", "-1", "null", "undefined", "x".repeat(300), "..", "%", "' or 1=1", "\u0000", "caf\u00e9", "00000000-0000-0000-0000-000000000000", "123456789012345678901234567890"), headerText);

function reqArb(pattern: string, methods: Method[], segments: number): fc.Arbitrary<Req> {
  return fc.constantFrom(...methods).chain((method) => reqFor(pattern, method, segments));
}
function reqFor(pattern: string, method: Method, segments: number): fc.Arbitrary<Req> {
  const valid = VALID[`${method} ${pattern}`];
  return fc.record({
    method: fc.constant(method),
    caller: fc.constantFrom<CallerKind>("anonymous", "session", "api_key", "junk_auth"),
    fill: fc.array(segmentFill, { minLength: segments, maxLength: segments }),
    query: fc.array(fc.tuple(fc.constantFrom(...QUERY_KEYS), fc.oneof(fc.string({ maxLength: 30 }), scalar.map(String))), { maxLength: 4 }),
    rawQuery: fc.constantFrom("", "", "", "&%E0%A4%A", "&limit=%zz", "&a[]=1&a[]=2", "&limit=99999999999999999999", "&cursor=%00"),
    contentType: fc.oneof({ weight: 3, arbitrary: fc.constant("application/json") }, { weight: 2, arbitrary: fc.constantFrom(...CONTENT_TYPES) }),
    extraHeaders: fc.array(fc.tuple(fc.constantFrom("idempotency-key", "x-hub-signature-256", "x-razorpay-signature", "x-razorpay-event-id", "x-forwarded-for", "accept", "origin"), headerText), { maxLength: 3 }),
    body: valid ? fc.oneof({ weight: 3, arbitrary: nearValid(valid) }, { weight: 2, arbitrary: body }) : body,
  });
}

function authHeaders(caller: CallerKind): Record<string, string> {
  if (caller === "session") return { cookie: fCookie };
  if (caller === "api_key") return { authorization: `Bearer ${f.apiKey}` };
  if (caller === "junk_auth") return { authorization: "Bearer wa_live_not-a-key", cookie: "wa_session=eyJhbGciOiJub25lIn0.e30.; wa_org=not-a-uuid" };
  return {};
}

interface Answer {
  status: number;
  contentType: string;
  text: string;
}
async function send(pattern: string, r: Req): Promise<Answer> {
  const qs = new URLSearchParams(r.query).toString();
  const url = `${app.url}${fillPattern(pattern, ((i) => () => r.fill[i++] ?? "x")(0))}?${qs}${r.rawQuery}`;
  const headers: Record<string, string> = { ...authHeaders(r.caller), ...Object.fromEntries(r.extraHeaders) };
  if (r.contentType) headers["content-type"] = r.contentType;
  const res = await fetch(url, {
    method: r.method,
    headers,
    body: r.method === "GET" || r.body.bytes === null ? undefined : new Uint8Array(r.body.bytes),
    redirect: "manual",
  });
  return { status: res.status, contentType: res.headers.get("content-type") ?? "", text: await res.text() };
}

/** The contract every answer keeps. */
function checkAnswer(pattern: string, method: Method, a: Answer) {
  const where = `${method} ${pattern} → ${a.status} ${a.text.slice(0, 300)}`;
  expect(a.status, where).toBeLessThan(500);
  if (a.status >= 400 && !(pattern === "/api/webhook" && method === "GET")) {
    expect(a.contentType, where).toContain("application/json");
    const parsed = JSON.parse(a.text) as { error?: { code?: unknown; message?: unknown } };
    expect(typeof parsed.error?.code, where).toBe("string");
    expect(typeof parsed.error?.message, where).toBe("string");
  }
}

/** Routes that answered 2xx at least once: the fuzz reached their success path, not only their guards. */
const succeeded = new Set<string>();

async function fuzzRoute(pattern: string, runs: number, extra: fc.Arbitrary<Req> | null = null) {
  const methods = routes.methods[pattern];
  const segments = routes.routes.find((r) => r.pattern === pattern)!.segments.length;
  const arb = extra ?? reqArb(pattern, methods, segments);
  let count = 0;
  // The valid bodies themselves go first (as a session and as an API key), so every run also
  // passes through each route's success path.
  const examples: Array<[Req]> = methods.flatMap((method) => {
    const valid = VALID[`${method} ${pattern}`];
    if (!valid) return [];
    return (["session", "api_key"] as const).map((caller): [Req] => [
      { method, caller, fill: Array.from({ length: segments }, () => "00000000-0000-4000-8000-000000000000"), query: [], rawQuery: "", contentType: "application/json", extraHeaders: [], body: mk(enc(JSON.stringify(valid)), "valid") },
    ]);
  });
  await fc.assert(
    fc.asyncProperty(arb, async (r) => {
      const before = await footprint();
      const a = await send(pattern, r);
      checkAnswer(pattern, r.method, a);
      if (a.status < 300) succeeded.add(`${r.method} ${pattern}`);
      if (a.status >= 300) expect(await footprint(), `${r.method} ${pattern} answered ${a.status} but changed rows: ${a.text.slice(0, 200)}`).toEqual(before);
      count++;
    }),
    { numRuns: runs, seed: SEED, examples: extra ? [] : examples },
  );
  return count;
}

describe("fuzz: every route under app/api", () => {
  it("found the routes (and their methods) on disk", () => {
    expect(routes.routes.length).toBeGreaterThan(50);
    for (const r of routes.routes) expect(routes.methods[r.pattern].length, r.file).toBeGreaterThan(0);
  });

  it("each route, each method, each kind of caller: never 5xx, JSON errors, no partial writes", async () => {
    // Every route is fuzzed even when an earlier one fails, so one run reports every broken route.
    let total = 0;
    const failures: string[] = [];
    for (const r of routes.routes) {
      try {
        total += await fuzzRoute(r.pattern, RUNS);
      } catch (err) {
        const msg = (err as Error).message;
        const cause = ((err as Error).cause as Error | undefined)?.message ?? "";
        failures.push(`${r.pattern}: ${msg.split("\n").filter((l) => l.startsWith("Counterexample") || l.startsWith("{ seed")).join(" ").slice(0, 700)} — ${cause.slice(0, 400)}`);
      }
    }
    expect(failures).toEqual([]);
    // Not vacuous: the almost-valid bodies get writes through (they are then checked by the
    // routes' own tests); the garbage is refused.
    expect([...succeeded]).toEqual(expect.arrayContaining(["POST /api/v1/contacts", "POST /api/automations", "PATCH /api/settings/organization"]));
    expect(total).toBeGreaterThanOrEqual(routes.routes.length * Math.min(RUNS, 10));
  }, Math.max(180_000, RUNS * 8_000));

  it("hostile values in every query parameter and path segment at once (as a session and as an API key, in turn)", async () => {
    const failures: string[] = [];
    const HOSTILE = ["\u0000", "%", "x".repeat(500), "-1", "1e400", "[]", "2026-02-30", "' or 1=1 --", "9".repeat(40)];
    for (const r of routes.routes) {
      for (const method of routes.methods[r.pattern]) {
        for (const [i, v] of HOSTILE.entries()) {
          const caller = i % 2 ? "api_key" : "session";
          const req: Req = { method, caller, fill: r.segments.map(() => v), query: QUERY_KEYS.map((k) => [k, v]), rawQuery: "", contentType: "application/json", extraHeaders: [], body: mk(enc("{}"), "empty object") };
          const before = method === "GET" ? null : await footprint();
          try {
            const a = await send(r.pattern, req);
            checkAnswer(r.pattern, method, a);
            if (before && a.status >= 300) expect(await footprint()).toEqual(before);
          } catch (err) {
            failures.push(`${caller} ${method} ${r.pattern} with ${JSON.stringify(v.slice(0, 20))}: ${(err as Error).message.slice(0, 300)}`);
          }
        }
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);

  it("bodies over the size limit: never a 5xx or a write (413 wherever the body is read)", async () => {
    const tooLarge = new Set<string>();
    for (const r of routes.routes) {
      for (const method of routes.methods[r.pattern].filter((m) => m !== "GET")) {
        const limit = r.pattern === "/api/webhook" ? META_MAX_BODY_BYTES : r.pattern === "/api/razorpay/webhook" ? MAX_WEBHOOK_BYTES : MAX_JSON_BODY_BYTES;
        for (const caller of ["session", "api_key"] as const) {
          const before = await footprint();
          const a = await send(r.pattern, { method, caller, fill: r.segments.map(() => randomUUID()), query: [], rawQuery: "", contentType: "application/json", extraHeaders: [], body: oversized(limit) });
          checkAnswer(r.pattern, method, a);
          if (a.status === 413) tooLarge.add(`${method} ${r.pattern}`);
          if (a.status >= 300) expect(await footprint()).toEqual(before);
        }
      }
    }
    for (const must of ["POST /api/v1/messages", "POST /api/v1/contacts", "POST /api/webhook", "POST /api/razorpay/webhook", "POST /api/settings/webhooks"]) expect([...tooLarge]).toContain(must);
  }, 120_000);
});

describe("fuzz: the webhooks with valid signatures over hostile payloads", () => {
  // A valid signature gets the payload past the first gate, so the parser itself is exercised.
  const metaPayload = fc.oneof(
    body.map((b) => b.bytes ?? new Uint8Array()),
    // Meta's shape with fields swapped for wrong types.
    fc.record({ object: value, entry: fc.oneof(value, fc.array(fc.record({ id: value, changes: fc.oneof(value, fc.array(fc.record({ field: fc.oneof(fc.constant("messages"), value), value: fc.oneof(value, fc.record({ messaging_product: value, metadata: value, messages: value, statuses: value, contacts: value })) }), { maxLength: 2 })) }), { maxLength: 2 })) }).map((o) => enc(JSON.stringify(o))),
    // Well-formed events with hostile field values, for the organization's real channel.
    fc.record({ from: fc.oneof(fc.string({ maxLength: 30 }), fc.constant("919876543210")), wamid: fc.oneof(fc.string({ maxLength: 300 }), fc.constant("")), text: fc.string({ maxLength: 5000 }) }).map((m) => enc(JSON.stringify(inboundTextPayload({ phoneNumberId: w.channel.phone_number_id, displayPhoneNumber: w.channel.display_phone_number }, m)))),
    fc.record({ wamid: fc.string({ maxLength: 100 }), status: fc.constantFrom("sent", "delivered", "read", "failed") }).map((s) => enc(JSON.stringify(statusPayload({ phoneNumberId: w.channel.phone_number_id, displayPhoneNumber: w.channel.display_phone_number }, { wamid: s.wamid, status: s.status, recipientId: "919876543210" })))),
  );

  it("Meta POST /api/webhook: signed garbage is 4xx JSON or 200, never 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(metaPayload, fc.constantFrom(...CONTENT_TYPES), async (bytes, ct) => {
        const res = await fetch(`${app.url}/api/webhook`, {
          method: "POST",
          headers: { "content-type": ct || "application/json", "x-hub-signature-256": signMetaPayload(Buffer.from(bytes), process.env.META_APP_SECRET!) },
          body: new Uint8Array(bytes),
        });
        checkAnswer("/api/webhook", "POST", { status: res.status, contentType: res.headers.get("content-type") ?? "", text: await res.text() });
      }),
      { numRuns: RUNS * 10, seed: SEED },
    );
  }, Math.max(60_000, RUNS * 2_000));

  it("Meta GET /api/webhook: verification answers text, 403 unless the token matches", async () => {
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom("hub.mode", "hub.verify_token", "hub.challenge", "x"), fc.string({ maxLength: 50 })), async (q) => {
        const res = await fetch(`${app.url}/api/webhook?${new URLSearchParams(q)}`);
        expect(res.status).toBe(q["hub.verify_token"] === process.env.META_VERIFY_TOKEN && q["hub.mode"] === "subscribe" ? 200 : 403);
        expect(res.headers.get("content-type")).toContain("text/plain");
      }),
      { numRuns: RUNS * 5, seed: SEED },
    );
  });

  it("Razorpay POST /api/razorpay/webhook: signed garbage is 4xx JSON or 2xx, never 5xx, and credits nothing", async () => {
    const { razorpaySettings } = await import("../../lib/payments/razorpay");
    const secret = razorpaySettings()?.webhookSecret;
    expect(secret).toBeTruthy();
    const rzpPayload = fc.oneof(
      body.map((b) => b.bytes ?? new Uint8Array()),
      fc.record({
        entity: fc.oneof(fc.constant("event"), value),
        event: fc.oneof(fc.constantFrom("payment.captured", "order.paid", "payment.failed", "refund.processed", "payment.authorized"), value),
        payload: fc.oneof(value, fc.record({ payment: fc.oneof(value, fc.record({ entity: fc.oneof(value, fc.record({ id: value, amount: value, order_id: value, status: value, currency: value })) })), order: value, refund: fc.oneof(value, fc.record({ entity: value })) })),
      }).map((o) => enc(JSON.stringify(o))),
    );
    const before = await footprint();
    await fc.assert(
      fc.asyncProperty(rzpPayload, fc.option(headerText), async (bytes, eventId) => {
        const headers: Record<string, string> = { "content-type": "application/json", "x-razorpay-signature": webhookSignature(bytes, secret!) };
        if (eventId !== null) headers["x-razorpay-event-id"] = eventId;
        const res = await fetch(`${app.url}/api/razorpay/webhook`, { method: "POST", headers, body: new Uint8Array(bytes) });
        checkAnswer("/api/razorpay/webhook", "POST", { status: res.status, contentType: res.headers.get("content-type") ?? "", text: await res.text() });
      }),
      { numRuns: RUNS * 10, seed: SEED },
    );
    // No order of the organization's is named by these payloads: its wallet and rows are untouched.
    expect(await footprint()).toEqual(before);
  }, Math.max(60_000, RUNS * 2_000));
});
