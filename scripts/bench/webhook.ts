// npm run bench:webhook — Meta webhook ingestion against the production build.
//
//   npm run bench:webhook -- [--events 10000] [--per-post 1,10] [--concurrency 32] [--rate 3000]
//                            [--tenants 20] [--reply-tenants 2] [--status-share 0.3] [--warmup 3000] [--no-build]
//                            [--worker false] [--profile]
//
// 1. `next build` (unless --no-build), then the launcher in start mode on its own DATA_DIR
//    (.data/bench-webhook, wiped first) and ports (BENCH_PORT=3004, BENCH_PG_PORT=54334).
// 2. Tenants with a sandbox channel each; the first --reply-tenants also with an auto-reply rule that
//    matches their customers' texts (real sendMessage, sandbox Graph API, status webhooks back);
//    outbound messages for the statuses to point at.
// 3. For each --per-post value, --warmup events of the measured mix (not counted: the server runs
//    warm), then signed POSTs (inbound texts spread over the tenants' channels, plus
//    sent/delivered/read statuses): first as fast as they are acknowledged (`concurrency` in
//    flight: the saturation throughput), then open loop at --rate events/s (the acknowledgement
//    time at that load). Both print events/s and ack time per POST (p50/p99), and the CPU the app
//    spent per event (Next.js, Postgres, worker) — the machine is shared, CPU time is the steadier figure.
// 4. Replays every POST and counts rows: zero lost, zero duplicated, every message at read, exactly
//    one auto-reply (and one charge) per inbound message of the tenants with a rule.
// 5. Where the time goes: signature and parse cost, the Next.js floor (the route doing no
//    database work), and the storing call alone without HTTP.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import http from "node:http";
import { loadavg } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { signMetaPayload, verifyMetaSignature } from "../../lib/whatsapp/signature";
import { parseWebhook } from "../../lib/whatsapp/webhook-events";
import { combineChanges, inboundTextPayload, statusPayload, type Metadata, type StatusName } from "../../lib/whatsapp/webhook-payloads";
import { calibrate, formatCalibration } from "./calibrate";

const { values: args } = parseArgs({
  options: {
    events: { type: "string", default: "10000" },
    "per-post": { type: "string", default: "1,10" },
    concurrency: { type: "string", default: "32" },
    tenants: { type: "string", default: "20" },
    "status-share": { type: "string", default: "0.3" },
    rate: { type: "string", default: "3000" },
    "reply-tenants": { type: "string", default: "2" },
    // Events sent before each per-post size is measured (same mix), not counted.
    warmup: { type: "string", default: "3000" },
    "no-build": { type: "boolean", default: false },
    worker: { type: "string", default: "true" },
    // Writes V8 CPU profiles of the app's node processes to .data/bench-webhook-prof.
    profile: { type: "boolean", default: false },
  },
});
const EVENTS = Number(args.events);
const PER_POST = args["per-post"]!.split(",").map(Number);
const CONCURRENCY = Number(args.concurrency);
const TENANTS = Number(args.tenants);
const STATUS_SHARE = Number(args["status-share"]);
const RATE = Number(args.rate);
const REPLY_TENANTS = Number(args["reply-tenants"]);
const WARMUP_EVENTS = Number(args.warmup);
const PORT = Number(process.env.BENCH_PORT ?? 3004);
const PG_PORT = Number(process.env.BENCH_PG_PORT ?? 54334);
const DATA_DIR = path.resolve(".data/bench-webhook");
const APP = `http://127.0.0.1:${PORT}`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const fmt = (n: number, d = 1) => n.toFixed(d);
function shuffle<T>(a: T[]): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
}

// ---------------------------------------------------------------- build and launch
if (!args["no-build"] || !existsSync(".next/BUILD_ID")) {
  console.log("next build ...");
  const b = spawnSync(process.execPath, ["node_modules/next/dist/bin/next", "build"], { stdio: "inherit", env: { ...process.env, NODE_ENV: "production" } });
  if (b.status !== 0) process.exit(b.status ?? 1);
}
// Before anything of ours runs, and again after it all stopped: how much CPU the machine had.
console.log(formatCalibration(await calibrate()));
await rm(DATA_DIR, { recursive: true, force: true });
const launcher: ChildProcess = spawn(process.execPath, ["--import", "tsx", "scripts/launch.ts", "start"], {
  stdio: ["ignore", "ignore", "inherit"],
  env: {
    ...process.env,
    NODE_ENV: "production",
    DATA_DIR,
    PORT: String(PORT),
    EMBEDDED_PG_PORT: String(PG_PORT),
    APP_URL: APP,
    START_WORKER: args.worker,
    SANDBOX_ENABLED: "true",
    LOG_LEVEL: "warn",
    DATABASE_URL: "",
    ...(args.profile
      ? { NODE_OPTIONS: `--import ${path.resolve("scripts/bench/cpu-profile.mjs")}`, CPU_PROFILE_DIR: path.resolve(".data/bench-webhook-prof") }
      : {}),
  },
});
let launcherExited = false;
launcher.on("exit", () => (launcherExited = true));
async function stopLauncher() {
  if (launcherExited) return;
  launcher.kill("SIGTERM");
  await new Promise((r) => launcher.once("exit", r));
}
process.on("SIGINT", () => void stopLauncher().then(() => process.exit(130)));

try {
  await main();
} finally {
  await stopLauncher();
}
console.log(`\nAfter the run: ${formatCalibration(await calibrate())}`);

async function main() {
  const runtimePath = path.join(DATA_DIR, "runtime.json");
  const deadline = Date.now() + 180_000;
  while (!existsSync(runtimePath)) {
    if (launcherExited || Date.now() > deadline) throw new Error("the launcher did not start");
    await sleep(200);
  }
  const runtime = JSON.parse(readFileSync(runtimePath, "utf8")) as { databaseUrl: string };
  const secrets = JSON.parse(readFileSync(path.join(DATA_DIR, "secrets.json"), "utf8")) as {
    META_APP_SECRET: string;
    META_VERIFY_TOKEN: string;
    APP_ENCRYPTION_KEY: string;
    AUTH_SECRET: string;
  };
  for (;;) {
    const ok = await fetch(`${APP}/api/webhook?hub.mode=subscribe&hub.verify_token=${secrets.META_VERIFY_TOKEN}&hub.challenge=ok`)
      .then((r) => r.status === 200)
      .catch(() => false);
    if (ok) break;
    if (launcherExited || Date.now() > deadline) throw new Error("the app did not come up");
    await sleep(200);
  }
  const db = new pg.Pool({ connectionString: runtime.databaseUrl, max: 4 });
  const cpus = (await import("node:os")).cpus().length;
  console.log(`\nWebhook benchmark: production build on ${APP}, ${cpus} cores, worker ${args.worker === "false" ? "off" : "on"}, ` +
    `${TENANTS} tenants, concurrency ${CONCURRENCY}, ${fmt(STATUS_SHARE * 100, 0)}% statuses`);

  // ---------------------------------------------------------------- tenants and outbound messages
  // Tenants with a sandbox channel each (as the dashboard connects one: with an encrypted token, so
  // the send pipeline can use it). The first REPLY_TENANTS also have money and an auto-reply rule
  // that matches their customers' texts: their inbound messages go through the slow half, the real
  // sendMessage and the sandbox Graph API, whose status webhooks come back to the app as well.
  Object.assign(process.env, { DATABASE_URL: runtime.databaseUrl, APP_ENCRYPTION_KEY: secrets.APP_ENCRYPTION_KEY, AUTH_SECRET: secrets.AUTH_SECRET });
  const { connectSandboxChannel } = await import("../../lib/channels/channels");
  const tenants: Array<{ orgId: string; meta: Metadata }> = [];
  for (let i = 0; i < TENANTS; i++) {
    const { rows } = await db.query<{ id: string }>("insert into public.organizations (name) values ($1) returning id", [`Bench ${i}`]);
    const ch = await connectSandboxChannel({ orgId: rows[0].id, displayPhone: `+91 98${String(100 + i)} ${String(10000 + i)}` });
    if (i < REPLY_TENANTS) {
      await db.query("select private.wallet_credit($1, 10000000, $2)", [rows[0].id, `bench:${rows[0].id}`]);
      await db.query(
        "insert into public.automation_rules (org_id, name, match_type, keyword, reply_text) values ($1, 'Orders', 'contains', 'order', 'Thanks! Your order is on its way.')",
        [rows[0].id],
      );
    }
    tenants.push({ orgId: rows[0].id, meta: { phoneNumberId: ch.phone_number_id, displayPhoneNumber: ch.display_phone_number } });
  }
  const orgIds = tenants.map((t) => t.orgId);
  const replyOrgIds = orgIds.slice(0, REPLY_TENANTS);
  const http1 = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

  type Ev = { tenant: number; payload: unknown; eventId: string; inboundWamid?: string };
  type Body = { body: string; signature: string; events: number };
  type EventSet = { events: Ev[]; bodies: Body[]; outbound: string[]; inbound: number };

  /** count events (inbound texts over the tenants, plus statuses), grouped per tenant into signed POSTs. */
  async function makeSet(count: number, perPost: number): Promise<EventSet> {
    const statusCount = Math.round(count * STATUS_SHARE);
    const inboundCount = count - statusCount;
    // Each status points at an outbound message, which gets sent, delivered and read (in any order).
    const outbound: Array<{ wamid: string; tenant: number }> = [];
    const messagesNeeded = Math.ceil(statusCount / 3);
    for (let i = 0; i < messagesNeeded; i += 1000) {
      const chunk = Array.from({ length: Math.min(1000, messagesNeeded - i) }, (_, k) => ({
        wamid: `wamid.bench${randomBytes(12).toString("hex")}`,
        tenant: (i + k) % TENANTS,
      }));
      await db.query(
        `insert into public.messages (org_id, channel_id, direction, type, status, wamid, text)
         select c.org_id, c.id, 'outbound', 'text', 'pending', x.wamid, 'bench'
         from jsonb_to_recordset($1::jsonb) as x(wamid text, pn text) join public.channels c on c.phone_number_id = x.pn`,
        [JSON.stringify(chunk.map((o) => ({ wamid: o.wamid, pn: tenants[o.tenant].meta.phoneNumberId })))],
      );
      outbound.push(...chunk);
    }
    const events: Ev[] = [];
    for (let i = 0; i < inboundCount; i++) {
      const tenant = i % TENANTS;
      const wamid = `wamid.bench${randomBytes(16).toString("hex")}`;
      events.push({
        tenant,
        eventId: `msg:${wamid}`,
        inboundWamid: wamid,
        payload: inboundTextPayload(tenants[tenant].meta, {
          from: `91${9_000_000_000 + ((i * 7919) % 50_000)}`,
          wamid,
          text: `Order update please #${i}`,
          profileName: `Customer ${i % 50_000}`,
        }),
      });
    }
    const statuses: StatusName[] = ["sent", "delivered", "read"];
    for (let i = 0; i < statusCount; i++) {
      const o = outbound[Math.floor(i / 3)];
      events.push({
        tenant: o.tenant,
        eventId: `status:${o.wamid}:${statuses[i % 3]}`,
        payload: statusPayload(tenants[o.tenant].meta, { wamid: o.wamid, recipientId: "919000000000", status: statuses[i % 3] }),
      });
    }
    shuffle(events);
    // Meta batches per WABA: a POST carries one tenant's changes.
    const byTenant = new Map<number, Ev[]>();
    for (const e of events) byTenant.set(e.tenant, [...(byTenant.get(e.tenant) ?? []), e]);
    const bodies: Body[] = [];
    for (const list of byTenant.values()) {
      for (let i = 0; i < list.length; i += perPost) {
        const group = list.slice(i, i + perPost);
        const body = JSON.stringify(combineChanges(...group.map((g) => g.payload as ReturnType<typeof inboundTextPayload>)));
        bodies.push({ body, signature: signMetaPayload(body, secrets.META_APP_SECRET), events: group.length });
      }
    }
    shuffle(bodies);
    return { events, bodies, outbound: outbound.map((o) => o.wamid), inbound: inboundCount };
  }

  /** Sends the POSTs; closed loop (`concurrency` in flight, as fast as acknowledged) or at a fixed event rate. */
  async function fire(bodies: Body[], mode: { rate?: number }) {
    const cpu0 = treeCpuSeconds(launcher.pid!);
    const parts0 = cpuByPart(launcher.pid!);
    const own0 = process.cpuUsage();
    const load0 = loadavg()[0];
    const latencies: number[] = new Array(bodies.length);
    let failures = 0;
    const t0 = process.hrtime.bigint();
    const one = async (i: number) => {
      const s0 = process.hrtime.bigint();
      const status = await post(http1, bodies[i].body, bodies[i].signature);
      latencies[i] = Number(process.hrtime.bigint() - s0) / 1e6;
      if (status !== 200) failures++;
    };
    if (mode.rate) {
      // Open loop: POST i leaves at its scheduled time whatever the answers do (as Meta would).
      const inFlight = new Set<Promise<void>>();
      let sent = 0;
      let scheduledEvents = 0;
      for (let i = 0; i < bodies.length; i++) {
        const due = Number(t0) / 1e6 + (scheduledEvents / mode.rate) * 1000;
        scheduledEvents += bodies[i].events;
        const wait = due - Number(process.hrtime.bigint()) / 1e6;
        if (wait > 1) await sleep(wait);
        const p = one(i).finally(() => inFlight.delete(p));
        inFlight.add(p);
        sent++;
        if (inFlight.size >= 512) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
      void sent;
    } else {
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          for (let i = next++; i < bodies.length; i = next++) await one(i);
        }),
      );
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const own = process.cpuUsage(own0);
    const events = bodies.reduce((n, b) => n + b.events, 0);
    const parts = cpuByPart(launcher.pid!);
    latencies.sort((a, b) => a - b);
    return {
      events,
      seconds,
      p50: pct(latencies, 50),
      p99: pct(latencies, 99),
      failures,
      serverCpu: treeCpuSeconds(launcher.pid!) - cpu0,
      clientCpu: (own.user + own.system) / 1e6,
      load: (load0 + loadavg()[0]) / 2,
      parts: Object.entries(parts)
        .map(([k, v]) => [k, v - (parts0[k] ?? 0)] as const)
        .filter(([, v]) => v > 0)
        .map(([k, v]) => `${k} ${Math.round((v / events) * 1e6)}`)
        .join(", "),
    };
  }

  const pending = async () =>
    (await db.query<{ n: number }>("select count(*)::int as n from public.webhook_events where processed_at is null and org_id = any($1::uuid[])", [orgIds])).rows[0].n;
  const drain = async () => {
    while ((await pending()) > 0) await sleep(100);
  };

  const results: Array<Record<string, string | number>> = [];
  for (const perPost of PER_POST) {
    const saturate = await makeSet(EVENTS, perPost);
    const paced = await makeSet(Math.min(EVENTS, RATE * 5), perPost);
    // Warm up on the same mix as what is measured (inbound over every tenant, statuses,
    // auto-replies and the status webhooks they bring back), then let it settle: a server in
    // production runs warm, and a cold one spends a good part of a short run compiling the paths
    // the first POSTs take (JIT), which is not what it costs per event. Not counted.
    if (WARMUP_EVENTS > 0) {
      await fire((await makeSet(WARMUP_EVENTS, perPost)).bodies, {});
      await drain();
    }
    // The statistics a running database has (autovacuum analyzes within its first minute): plans the
    // server's connections cached while the tables were empty are replanned (see bench:send).
    await db.query("analyze");

    const closed = await fire(saturate.bodies, {});
    await drain();
    const open = await fire(paced.bodies, { rate: RATE });
    await drain();
    const replay = await fire([...saturate.bodies, ...paced.bodies], {});
    await drain();

    // Count rows: every event stored once, every inbound message once, every message at read.
    const all = [...saturate.events, ...paced.events];
    const inboundWamids = all.flatMap((e) => (e.inboundWamid ? [e.inboundWamid] : []));
    const eventIds = all.map((e) => e.eventId);
    const outbound = [...saturate.outbound, ...paced.outbound];
    const { rows: [c] } = await db.query<{ inbound: number; events: number; unprocessed: number; dup_events: number; dup_messages: number; read: number }>(
      `select
         (select count(*)::int from public.messages where direction = 'inbound' and wamid = any($1)) as inbound,
         (select count(*)::int from public.webhook_events where source = 'meta' and event_id = any($2)) as events,
         (select count(*)::int from public.webhook_events where source = 'meta' and event_id = any($2) and processed_at is null) as unprocessed,
         (select count(*)::int from (select event_id from public.webhook_events where event_id = any($2) group by event_id having count(*) > 1) d) as dup_events,
         (select count(*)::int from (select wamid from public.messages where wamid = any($1) group by wamid having count(*) > 1) d) as dup_messages,
         (select count(*)::int from public.messages where wamid = any($3) and status = 'read') as read`,
      [inboundWamids, eventIds, outbound],
    );
    const lost = inboundWamids.length - c.inbound + (eventIds.length - c.events);
    // Auto-replies: exactly one per inbound message of the tenants with a rule, one charge each.
    const { rows: [ar] } = await db.query<{ inbound: number; replies: number; debits: number; refunds: number; dup: number }>(
      `select
         (select count(*)::int from public.messages where org_id = any($1::uuid[]) and direction = 'inbound' and wamid = any($2)) as inbound,
         (select count(*)::int from public.messages r join public.messages m on m.id = r.reply_to_message_id
           where m.org_id = any($1::uuid[]) and m.wamid = any($2)) as replies,
         (select count(*)::int from public.wallet_transactions t join public.messages r on r.id = t.message_id join public.messages m on m.id = r.reply_to_message_id
           where t.kind = 'debit' and m.wamid = any($2)) as debits,
         (select count(*)::int from public.wallet_transactions t join public.messages r on r.id = t.message_id join public.messages m on m.id = r.reply_to_message_id
           where t.kind = 'refund' and m.wamid = any($2)) as refunds,
         (select count(*)::int from (select reply_to_message_id from public.messages where reply_to_message_id is not null
           group by reply_to_message_id having count(*) > 1) d) as dup`,
      [replyOrgIds, inboundWamids],
    );
    const r = {
      "events/POST": perPost,
      "saturation events/s": Math.round(closed.events / closed.seconds),
      [`saturation ack p50/p99 ms (${CONCURRENCY} in flight)`]: `${fmt(closed.p50, 1)} / ${fmt(closed.p99, 1)}`,
      [`at ${RATE} events/s offered: achieved events/s`]: Math.round(open.events / open.seconds),
      [`at ${RATE} events/s offered: ack p50/p99 ms`]: `${fmt(open.p50, 1)} / ${fmt(open.p99, 1)}`,
      // CPU the app (Next.js + Postgres + worker) spent per event while the POSTs ran: the figure
      // that does not depend on what else the shared machine is doing.
      "server CPU µs/event": Math.round((closed.serverCpu / closed.events) * 1e6),
      "  by process": closed.parts,
      "client CPU µs/event": Math.round((closed.clientCpu / closed.events) * 1e6),
      "2 idle cores ≈ events/s": Math.round(2 / ((closed.serverCpu + closed.clientCpu) / closed.events)),
      "load average (others)": fmt(closed.load, 1),
      "replay events/s": Math.round(replay.events / replay.seconds),
      "non-200": closed.failures + open.failures + replay.failures,
      "events / unprocessed": `${c.events} / ${c.unprocessed}`,
      lost,
      duplicated: c.dup_events + c.dup_messages,
      "messages at read": `${c.read}/${outbound.length}`,
      "auto-replies (for / sent / charged / refunded)": `${ar.inbound} / ${ar.replies} / ${ar.debits} / ${ar.refunds}`,
      "auto-reply problems": (ar.inbound - ar.replies) + (ar.replies - ar.debits) + ar.dup,
    };
    results.push(r);
    console.log(`\n  ${perPost} event(s) per POST (${all.length} events, then all replayed)`);
    for (const [k, v] of Object.entries(r)) console.log(`    ${k.padEnd(44)} ${v}`);
  }

  // ---------------------------------------------------------------- where the time goes
  console.log("\n  Where the time goes (same machine, no HTTP):");
  const sample = JSON.stringify(inboundTextPayload(tenants[0].meta, { from: "919000000001", wamid: "wamid.x", text: "Order update please #1", profileName: "Customer" }));
  const sig = signMetaPayload(sample, secrets.META_APP_SECRET);
  let t = process.hrtime.bigint();
  const N = 20_000;
  for (let i = 0; i < N; i++) verifyMetaSignature(sample, sig, secrets.META_APP_SECRET);
  const hmacUs = Number(process.hrtime.bigint() - t) / 1e3 / N;
  t = process.hrtime.bigint();
  for (let i = 0; i < N; i++) parseWebhook(sample);
  const parseUs = Number(process.hrtime.bigint() - t) / 1e3 / N;
  console.log(`    signature check ${fmt(hmacUs, 1)} µs/POST, JSON + zod parse ${fmt(parseUs, 1)} µs/event`);
  // The HTTP + Next.js floor: the same route doing no database work.
  const floor = async (label: string, once: () => Promise<number>) => {
    const n = 6000;
    const lat: number[] = [];
    let next = 0;
    const cpu0 = treeCpuSeconds(launcher.pid!);
    const t0 = process.hrtime.bigint();
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < n) {
        const s0 = process.hrtime.bigint();
        await once();
        lat.push(Number(process.hrtime.bigint() - s0) / 1e6);
      }
    }));
    const sec = Number(process.hrtime.bigint() - t0) / 1e9;
    lat.sort((a, b) => a - b);
    const cpuUs = ((treeCpuSeconds(launcher.pid!) - cpu0) / n) * 1e6;
    console.log(`    ${label}: ${Math.round(n / sec)} requests/s, p50 ${fmt(pct(lat, 50), 2)} ms, server CPU ${Math.round(cpuUs)} µs/request (no database)`);
  };
  const floorAgent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  await floor("Next.js floor (GET verification, served by Next.js)", () => get(floorAgent, `/api/webhook?hub.mode=subscribe&hub.verify_token=${secrets.META_VERIFY_TOKEN}&hub.challenge=1`));
  await floor("fast-lane floor (POST refused at the signature: body read + HMAC)", () => post(floorAgent, sample, "sha256=" + "0".repeat(64)));
  floorAgent.destroy();
  // The storing statement alone, called as the route calls it (withService + one INSERT ... ON CONFLICT).
  process.env.DATABASE_URL = runtime.databaseUrl;
  const { receiveWebhook } = await import("../../lib/whatsapp/webhook-receive");
  const { closePools } = await import("../../lib/db/pool");
  const direct = (perPost: number, i: number) =>
    JSON.stringify(
      combineChanges(
        ...Array.from({ length: perPost }, (_, k) =>
          inboundTextPayload(tenants[(i + k) % TENANTS].meta, { from: `91${9_100_000_000 + i * perPost + k}`, wamid: `wamid.direct${randomBytes(12).toString("hex")}`, text: "direct" }),
        ),
      ),
    );
  for (const perPost of PER_POST) {
    const seq = Array.from({ length: 500 }, (_, i) => direct(perPost, i));
    t = process.hrtime.bigint();
    for (const b of seq) await receiveWebhook(b);
    const seqMs = Number(process.hrtime.bigint() - t) / 1e6 / seq.length;
    const par = Array.from({ length: 4000 / perPost }, (_, i) => direct(perPost, 10_000 + i));
    let next = 0;
    t = process.hrtime.bigint();
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => { while (next < par.length) await receiveWebhook(par[next++]); }));
    const parS = Number(process.hrtime.bigint() - t) / 1e9;
    console.log(`    store ${perPost} event(s) in one statement: ${fmt(seqMs, 2)} ms one at a time; ` +
      `${Math.round((par.length * perPost) / parS)} events/s at concurrency ${CONCURRENCY} (no HTTP, no Next.js)`);
  }
  await closePools();
  await db.end();
  http1.destroy();

  console.log(`\n  Targets: ≥ 3,000 events/s and p50 < 25 ms.`);
  for (const r of results) {
    console.log(`    ${r["events/POST"]} event(s)/POST: saturation ${r["saturation events/s"]} events/s; at ${RATE}/s offered ` +
      `${r[`at ${RATE} events/s offered: achieved events/s`]} events/s, p50/p99 ${r[`at ${RATE} events/s offered: ack p50/p99 ms`]} ms; ` +
      `lost ${r.lost}, duplicated ${r.duplicated}`);
  }
}

function post(agent: http.Agent, body: string, signature: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${APP}/api/webhook`,
      {
        method: "POST",
        agent,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), "x-hub-signature-256": signature },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** CPU seconds (user + system) used so far by a process and all its descendants, from /proc. */
function treeCpuSeconds(rootPid: number): number {
  return Object.values(cpuByPart(rootPid)).reduce((a, b) => a + b, 0);
}

/** The same, split by the launcher's direct children (Next.js, worker, postgres) and itself. */
function cpuByPart(rootPid: number): Record<string, number> {
  const hz = 100; // USER_HZ on Linux
  const procs = new Map<number, { ppid: number; cpu: number }>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // Fields after the name: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14);
      // own time plus that of reaped children (exited postgres backends, for one).
      procs.set(Number(d), { ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / hz });
    } catch {
      // the process ended while we looked
    }
  }
  const subtree = (root: number) => {
    let total = 0;
    const stack = [root];
    while (stack.length) {
      const pid = stack.pop()!;
      total += procs.get(pid)?.cpu ?? 0;
      for (const [child, p] of procs) if (p.ppid === pid) stack.push(child);
    }
    return total;
  };
  const parts: Record<string, number> = { launcher: procs.get(rootPid)?.cpu ?? 0 };
  for (const [pid, p] of procs) {
    if (p.ppid !== rootPid) continue;
    let cmd = "";
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    } catch {
      continue;
    }
    const label = cmd.includes("postgres") ? "postgres" : cmd.includes("worker") ? "worker" : cmd.includes("web-server") || cmd.includes("next") ? "web server" : "other";
    parts[label] = (parts[label] ?? 0) + subtree(pid);
  }
  return parts;
}

function get(agent: http.Agent, pathAndQuery: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(`${APP}${pathAndQuery}`, { agent }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      })
      .on("error", reject);
  });
}

