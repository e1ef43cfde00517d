// npm run bench:send — billed sends per second through the production build.
//
// Starts the production server (`npm start`) through the launcher (scripts/launch.ts) on its own DATA_DIR and ports, with
// the sandbox Graph API (status webhooks off: this measures sends), creates tenants with wallets,
// sandbox channels, API keys and contacts inside the 24-hour window, then fires
// POST /api/v1/messages at a saturating concurrency: first spread over many tenants, then all on
// one tenant (one hot wallet row). Prints messages/s and p50/p99 latency, the CPU each process
// used, and checks afterwards that every send was charged exactly once.
//
// Flags: --tenants 50 --contacts 200 --duration 15 --warmup 15 --concurrency 64 --build (force a build)
//        --port 3103 --pg-port 54343 --keep (leave the data dir)
//        --server-node-options "--max-semi-space-size=64" (NODE_OPTIONS for the server processes)
//        --profile (V8 CPU profiles of the server processes into .test-data/bench-send-prof)
//        --no-analyze (measure with the statistics of the empty tables the run started from; see phase())
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, readdirSync, openSync, statSync, mkdirSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { Pool } from "undici";
import { calibrate, formatCalibration } from "./calibrate";

const { values: flags } = parseArgs({
  options: {
    tenants: { type: "string", default: "50" },
    contacts: { type: "string", default: "200" },
    duration: { type: "string", default: "15" },
    // Per phase. 5 s left the front's send path colder in the first send phase than in the second
    // (about 100 µs more CPU per send there, and ~10 % fewer sends/s); a server in production runs warm.
    warmup: { type: "string", default: "15" },
    concurrency: { type: "string", default: "64" },
    port: { type: "string", default: process.env.E2E_PORT ?? "3103" },
    "pg-port": { type: "string", default: process.env.E2E_PG_PORT ?? "54343" },
    build: { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
    profile: { type: "boolean", default: false },
    "server-node-options": { type: "string", default: "" },
    "no-analyze": { type: "boolean", default: false },
  },
});
const TENANTS = Number(flags.tenants);
const CONTACTS = Number(flags.contacts);
const DURATION_S = Number(flags.duration);
const WARMUP_S = Number(flags.warmup);
const CONCURRENCY = Number(flags.concurrency);
const PORT = Number(flags.port);
const DATA_DIR = path.resolve(".test-data/bench-send");
const APP = `http://127.0.0.1:${PORT}`;

function log(msg: string) {
  process.stdout.write(`${msg}\n`);
}

// ---------- build and start ----------
/** The newest source file under these folders (a build older than it is stale). */
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
const stale = !existsSync(".next/BUILD_ID") || statSync(".next/BUILD_ID").mtimeMs < newestSource(["app", "lib", "components"]);
if (flags.build || stale) {
  log("== next build (production)");
  execFileSync(process.execPath, ["node_modules/next/dist/bin/next", "build"], { stdio: "inherit", env: { ...process.env, NODE_ENV: "production" } });
}
// Before anything of ours runs, and again after it all stopped: how much CPU the machine had.
log(formatCalibration(await calibrate()));
await rm(DATA_DIR, { recursive: true, force: true });
const env: NodeJS.ProcessEnv = {
  ...process.env,
  NODE_ENV: "production",
  DATA_DIR,
  PORT: String(PORT),
  APP_URL: `http://localhost:${PORT}`,
  EMBEDDED_PG_PORT: flags["pg-port"],
  SANDBOX_ENABLED: "true",
  WHATSAPP_MODE: "sandbox",
  SANDBOX_STATUS_WEBHOOKS: "false",
  LOG_LEVEL: "warn",
};
delete env.DATABASE_URL;
const PROFILE_DIR = path.resolve(".test-data/bench-send-prof");
if (flags["server-node-options"]) env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ""} ${flags["server-node-options"]}`;
if (flags.profile) {
  env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ""} --import ${path.resolve("scripts/bench/cpu-profile-preload.mjs")}`;
  env.BENCH_PROFILE_DIR = PROFILE_DIR;
}
delete env.GRAPH_API_URL;
const launcherLog = path.join(DATA_DIR, "..", "bench-send-launcher.log");
// On a fresh clone .test-data does not exist yet (the launcher creates DATA_DIR itself, later).
mkdirSync(path.dirname(launcherLog), { recursive: true });
const out = openSync(launcherLog, "w");
log(`== starting the production server on ${APP} (log: ${path.relative(process.cwd(), launcherLog)})`);
const launcher: ChildProcess = spawn(process.execPath, ["--import", "tsx", "scripts/launch.ts", "start"], { env, stdio: ["ignore", out, out] });
let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  if (launcher.exitCode === null) {
    launcher.kill("SIGTERM");
    await new Promise((r) => launcher.once("exit", r));
  }
  if (!flags.keep) await rm(DATA_DIR, { recursive: true, force: true });
}
process.on("SIGINT", () => void stop().then(() => process.exit(130)));
process.on("SIGTERM", () => void stop().then(() => process.exit(143)));

async function waitForServer() {
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (launcher.exitCode !== null) throw new Error(`launcher exited (${launcher.exitCode}); see ${launcherLog}`);
    try {
      const r = await fetch(`${APP}/api/v1/wallet`);
      if (r.status === 401) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error("server did not start in 180 s");
}

try {
  await waitForServer();
  const runtime = JSON.parse(readFileSync(path.join(DATA_DIR, "runtime.json"), "utf8")) as { databaseUrl: string; graphApiUrl: string };
  const secrets = JSON.parse(readFileSync(path.join(DATA_DIR, "secrets.json"), "utf8")) as { APP_ENCRYPTION_KEY: string };
  process.env.DATABASE_URL = runtime.databaseUrl;
  process.env.APP_ENCRYPTION_KEY = secrets.APP_ENCRYPTION_KEY;
  process.env.GRAPH_API_URL = runtime.graphApiUrl;
  process.env.AUTH_SECRET ??= "bench-only-auth-secret-bench-only-auth-secret";
  process.env.LOG_LEVEL = "warn";

  // Imported after DATABASE_URL is known (the modules read it lazily, but keep it obvious).
  const { withService } = await import("../../lib/db/tx");
  const { createApiKey } = await import("../../lib/apikeys/api-keys");
  const { connectSandboxChannel } = await import("../../lib/channels/channels");
  const { credit } = await import("../../lib/wallet/wallet");
  const { closePools } = await import("../../lib/db/pool");
  const { sendMessage, prepareStats } = await import("../../lib/messaging/send");

  // ---------- tenants ----------
  log(`== creating ${TENANTS} tenants with ${CONTACTS} contacts each`);
  interface T {
    orgId: string;
    key: string;
    contacts: string[];
  }
  const tenants: T[] = [];
  const START_BALANCE = 100_000_000;
  for (let i = 0; i < TENANTS; i++) {
    const t = await withService(async (db) => {
      const { rows } = await db.query<{ id: string }>("insert into public.organizations (name) values ($1) returning id", [`Bench ${i}`]);
      const orgId = rows[0].id;
      await credit(db, { orgId, amountPaise: START_BALANCE, reference: `bench:${orgId}` });
      await connectSandboxChannel({ orgId, displayPhone: "+91 98765 43210" }, db);
      const key = await createApiKey(db, { orgId, name: "bench" });
      // The per-key rate limit stays on (its cost is measured) but far above what the bench sends.
      await db.query("update public.api_keys set rate_limit_per_second = 100000 where id = $1", [key.id]);
      // Numbers ending in 7: none of the sandbox's failure suffixes.
      const contacts = Array.from({ length: CONTACTS }, (_, j) => `919${String(i).padStart(3, "0")}${String(j).padStart(5, "0")}7`);
      await db.query(
        `insert into public.contacts (org_id, wa_id, phone_e164, last_inbound_at)
         select $1, w, '+' || w, now() from unnest($2::text[]) as w`,
        [orgId, contacts],
      );
      return { orgId, key: key.key, contacts: contacts.map((c) => `+${c}`) };
    });
    tenants.push(t);
  }

  // ---------- process CPU accounting ----------
  const HZ = 100;
  function tree(): Array<{ pid: number; name: string }> {
    const procs = readdirSync("/proc").filter((d) => /^\d+$/.test(d)).map(Number);
    const parent = new Map<number, number>();
    const name = new Map<number, string>();
    for (const pid of procs) {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        const close = stat.lastIndexOf(")");
        const fields = stat.slice(close + 2).split(" ");
        parent.set(pid, Number(fields[1]));
        const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
        name.set(pid, cmd.includes("web-server") || stat.includes("(web-server") ? "web-server" : cmd.includes("worker.ts") ? "worker" : cmd.includes("next-cluster") ? "next-cluster primary" : cmd.includes("launch.ts") ? "launcher + sandbox Graph" : cmd.includes("postgres") ? "postgres" : stat.slice(stat.indexOf("(") + 1, close));
      } catch {
        // process ended
      }
    }
    const mine = new Set<number>([launcher.pid!]);
    let grew = true;
    while (grew) {
      grew = false;
      for (const [pid, pp] of parent) {
        if (!mine.has(pid) && mine.has(pp)) {
          mine.add(pid);
          grew = true;
        }
      }
    }
    return [...mine].map((pid) => ({ pid, name: name.get(pid) ?? "?" }));
  }
  /** CPU seconds per process name: in all (user + kernel) and in the kernel alone. */
  // Every process seen so far, with the CPU it had used when last read: a process that ends (a
  // database backend whose idle connection the pool closed) keeps counting what it used.
  const seen = new Map<number, { name: string; all: number; kernel: number }>();
  function cpuByName(): Map<string, { all: number; kernel: number }> {
    const m = new Map<string, { all: number; kernel: number }>();
    const add = (name: string, all: number, kernel: number) => {
      const c = m.get(name) ?? { all: 0, kernel: 0 };
      m.set(name, { all: c.all + all, kernel: c.kernel + kernel });
    };
    for (const p of tree()) {
      try {
        const stat = readFileSync(`/proc/${p.pid}/stat`, "utf8");
        const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        seen.set(p.pid, { name: p.name, all: (Number(f[11]) + Number(f[12])) / HZ, kernel: Number(f[12]) / HZ });
      } catch {
        // gone: its last reading stays in `seen`
      }
    }
    for (const c of seen.values()) add(c.name, c.all, c.kernel);
    const self = process.cpuUsage();
    add("load generator (this process)", (self.user + self.system) / 1e6, self.system / 1e6);
    return m;
  }
  function machineCpu(): { busy: number; total: number } {
    const [line] = readFileSync("/proc/stat", "utf8").split("\n");
    const n = line.split(/\s+/).slice(1).map(Number);
    const idle = n[3] + n[4];
    const total = n.reduce((a, b) => a + b, 0);
    return { busy: (total - idle) / HZ, total: total / HZ };
  }

  // ---------- load ----------
  const pool = new Pool(APP, { connections: CONCURRENCY, pipelining: 1, keepAliveTimeout: 30_000 });
  type Req = { path: string; method: "GET" | "POST"; headers: Record<string, string>; body?: string; expect: number };
  const sendReq = (t: T): Req => ({
    path: "/api/v1/messages",
    method: "POST",
    headers: { authorization: `Bearer ${t.key}`, "content-type": "application/json" },
    body: JSON.stringify({ to: t.contacts[Math.floor(Math.random() * t.contacts.length)], type: "text", text: { body: "Your order #1234 has shipped." } }),
    expect: 201,
  });
  async function phase(label: string, next: () => Req, direct?: () => Promise<number>) {
    const statuses = new Map<number, number>();
    const latencies: number[] = [];
    let measuring = false;
    let stopAt = Date.now() + WARMUP_S * 1000;
    const fire = async () => {
      while (Date.now() < stopAt) {
        const r = next();
        const start = process.hrtime.bigint();
        let statusCode: number;
        try {
          if (direct) {
            statusCode = await direct();
          } else {
            const res = await pool.request({ path: r.path, method: r.method, headers: r.headers, body: r.body });
            await res.body.text();
            statusCode = res.statusCode;
          }
        } catch {
          statusCode = 0; // connection error or a thrown send: counted, not fatal
        }
        if (measuring) {
          latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
          statuses.set(statusCode, (statuses.get(statusCode) ?? 0) + 1);
        }
      }
    };
    // Warm-up (JIT, pools, caches), then the measured window.
    await Promise.all(Array.from({ length: CONCURRENCY }, fire));
    // Then the statistics a running database has. This run started from empty tables, and a plan
    // cached by a server connection while messages was nearly empty (a seq scan and hash join for
    // the "sent" UPDATE, say) stays in use until autovacuum first analyzes the table, up to a
    // minute in: that is the whole measured window here, and it read 30 M rows of messages in one
    // run. ANALYZE invalidates those plans, as autovacuum does on any database that has run a while.
    if (!flags["no-analyze"]) await withService((db) => db.query("analyze"));
    const profiled = flags.profile && !direct ? tree().filter((p) => p.name === "web-server") : [];
    for (const p of profiled) process.kill(p.pid, "SIGUSR2");
    const cpu0 = cpuByName();
    const m0 = machineCpu();
    const t0 = Date.now();
    measuring = true;
    stopAt = t0 + DURATION_S * 1000;
    await Promise.all(Array.from({ length: CONCURRENCY }, fire));
    const elapsed = (Date.now() - t0) / 1000;
    for (const p of profiled) process.kill(p.pid, "SIGUSR2");
    if (profiled.length) log(`   CPU profile of web-server: ${PROFILE_DIR}/${profiled[0].pid}-<n>.cpuprofile`);
    const cpu1 = cpuByName();
    const m1 = machineCpu();
    latencies.sort((a, b) => a - b);
    const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
    const expected = next().expect;
    const ok = statuses.get(expected) ?? 0;
    log(`\n-- ${label}: concurrency ${CONCURRENCY}, ${elapsed.toFixed(1)} s measured`);
    log(`   ${expected === 201 ? "billed sends (201)" : `answers (${expected})`}: ${ok}  →  ${(ok / elapsed).toFixed(0)} ${expected === 201 ? "messages" : "requests"}/s`);
    log(`   latency p50 ${q(50).toFixed(1)} ms, p90 ${q(90).toFixed(1)} ms, p99 ${q(99).toFixed(1)} ms, max ${q(100).toFixed(1)} ms`);
    log(`   statuses: ${[...statuses].map(([s, n]) => `${s}×${n}`).join(", ")}`);
    log(`   CPU seconds per process over the window (2 cores = ${(2 * elapsed).toFixed(0)} s available; machine busy ${(m1.busy - m0.busy).toFixed(1)} s incl. other users):`);
    let ours = 0;
    for (const [name, c] of [...cpu1].sort((a, b) => b[1].all - a[1].all)) {
      const d = c.all - (cpu0.get(name)?.all ?? 0);
      ours += d;
      const kernel = c.kernel - (cpu0.get(name)?.kernel ?? 0);
      if (d > 0.05) log(`     ${name.padEnd(32)} ${d.toFixed(1).padStart(6)} s   ${((d / ok) * 1e6).toFixed(0).padStart(5)} µs per request (${((100 * kernel) / d).toFixed(0)}% in the kernel)`);
    }
    const perReq = ours / ok;
    log(`   all of the above: ${(perReq * 1e6).toFixed(0)} µs CPU per request → about ${(2 / perReq).toFixed(0)}/s if these processes had both cores to themselves`);
    return { ok, elapsed };
  }

  log(`\n== load: ${WARMUP_S} s warm-up + ${DURATION_S} s measured per phase`);
  let rr = 0;
  await phase(`${TENANTS} tenants (round-robin API keys)`, () => sendReq(tenants[rr++ % tenants.length]));
  await phase("1 tenant (one wallet row)", () => sendReq(tenants[0]));
  // The same pipeline without Next.js: sendMessage() called in this process (its CPU is then the
  // "load generator" line), against the same database and sandbox.
  let rd = 0;
  await phase(
    `pipeline only, no Next.js: sendMessage() in-process, ${TENANTS} tenants`,
    () => sendReq(tenants[0]),
    async () => {
      const t = tenants[rd++ % tenants.length];
      const to = t.contacts[Math.floor(Math.random() * t.contacts.length)];
      const r = await sendMessage({ orgId: t.orgId, to, message: { type: "text", text: { body: "Your order #1234 has shipped." } }, source: "api" });
      return r.status === "sent" ? 201 : 500;
    },
  );
  log(`   (in this process: ${prepareStats.sends} sends charged in ${prepareStats.statements} statements, ${(prepareStats.sends / Math.max(1, prepareStats.statements)).toFixed(1)} per transaction; ${prepareStats.fallbacks} batches fell back to one by one)`);
  // For reference, last: Next.js answering a route that does nothing but a 401 (no database, no
  // Meta), through the front. Last, because after such a storm the Next.js process spends a second
  // or more of CPU shrinking its heap, which would land in the send phases' figures.
  await phase("reference: Next.js route answering 401 (no DB, no Graph)", () => ({ path: "/api/v1/wallet", method: "GET", headers: {}, expect: 401 }));
  await pool.close();

  // ---------- verification ----------
  log("\n== verifying the ledger against the messages");
  await new Promise((r) => setTimeout(r, 1000));
  const v = await withService(async (db) => {
    const { rows } = await db.query<{
      messages: number;
      sent: number;
      pending: number;
      failed: number;
      debits: number;
      refunds: number;
      multi: number;
      orphan_debits: number;
      uncharged: number;
      bad_balance: number;
    }>(
      `with orgs as (select id from public.organizations where name like 'Bench %'),
       -- not materialized: the anti-joins below then plan as hash joins, not nested loops over two CTE scans
       m as not materialized (select * from public.messages where org_id in (select id from orgs) and direction = 'outbound'),
       t as not materialized (select * from public.wallet_transactions where org_id in (select id from orgs))
       select
         (select count(*) from m)::int as messages,
         (select count(*) from m where status = 'sent')::int as sent,
         (select count(*) from m where status = 'pending')::int as pending,
         (select count(*) from m where status = 'failed')::int as failed,
         (select count(*) from t where kind = 'debit')::int as debits,
         (select count(*) from t where kind = 'refund')::int as refunds,
         (select count(*) from (select message_id from t where kind = 'debit' group by message_id having count(*) > 1) x)::int as multi,
         (select count(*) from t where kind = 'debit' and not exists (select 1 from m where m.id = t.message_id))::int as orphan_debits,
         (select count(*) from m where not exists (select 1 from t where t.kind = 'debit' and t.message_id = m.id))::int as uncharged,
         (select count(*) from public.wallets w where w.org_id in (select id from orgs)
            and w.balance_paise <> (select coalesce(sum(amount_paise), 0) from t where t.org_id = w.org_id))::int as bad_balance`,
    );
    return rows[0];
  });
  log(`   messages ${v.messages}: sent ${v.sent}, pending ${v.pending}, failed ${v.failed}`);
  log(`   ledger: ${v.debits} debits, ${v.refunds} refunds; messages with >1 debit: ${v.multi}; debits without a message: ${v.orphan_debits}; messages without a debit: ${v.uncharged}; wallets ≠ sum of ledger: ${v.bad_balance}`);
  const good = v.debits === v.messages && v.sent === v.debits - v.refunds && v.multi === 0 && v.orphan_debits === 0 && v.uncharged === 0 && v.bad_balance === 0;
  log(good ? "   OK: every send was charged exactly once (ledger debits = messages = sent)" : "   MISMATCH: see the figures above");
  await closePools();
  await stop();
  log(`\nAfter the run: ${formatCalibration(await calibrate())}`);
  process.exit(good ? 0 : 1);
} catch (err) {
  log(`bench failed: ${(err as Error).stack ?? err}`);
  await stop();
  process.exit(1);
}
