// npm run bench:webhook — Meta webhook ingestion against the production build.
//
//   npm run bench:webhook -- [--events 30000] [--per-post 1,10] [--concurrency 32] [--tenants 20]
//                            [--status-share 0.3] [--no-build] [--worker false]
//
// 1. `next build` (unless --no-build), then the launcher in start mode on its own DATA_DIR
//    (.data/bench-webhook, wiped first) and ports (BENCH_PORT=3004, BENCH_PG_PORT=54334).
// 2. Tenants with a channel each; outbound messages for the statuses to point at.
// 3. For each --per-post value: signed POSTs (inbound texts spread over the tenants' channels, plus
//    sent/delivered/read statuses), `concurrency` at a time over keep-alive connections. Prints
//    events/s and the acknowledgement time per POST (p50/p99), then waits for processing to drain.
// 4. Replays every POST and counts rows: zero lost, zero duplicated.
// 5. Where the time goes: the same work without HTTP (signature + parse; the one INSERT statement).
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

const { values: args } = parseArgs({
  options: {
    events: { type: "string", default: "30000" },
    "per-post": { type: "string", default: "1,10" },
    concurrency: { type: "string", default: "32" },
    tenants: { type: "string", default: "20" },
    "status-share": { type: "string", default: "0.3" },
    "no-build": { type: "boolean", default: false },
    worker: { type: "string", default: "true" },
  },
});
const EVENTS = Number(args.events);
const PER_POST = args["per-post"]!.split(",").map(Number);
const CONCURRENCY = Number(args.concurrency);
const TENANTS = Number(args.tenants);
const STATUS_SHARE = Number(args["status-share"]);
const PORT = Number(process.env.BENCH_PORT ?? 3004);
const PG_PORT = Number(process.env.BENCH_PG_PORT ?? 54334);
const DATA_DIR = path.resolve(".data/bench-webhook");
const APP = `http://127.0.0.1:${PORT}`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const fmt = (n: number, d = 1) => n.toFixed(d);

// ---------------------------------------------------------------- build and launch
if (!args["no-build"] || !existsSync(".next/BUILD_ID")) {
  console.log("next build ...");
  const b = spawnSync(process.execPath, ["node_modules/next/dist/bin/next", "build"], { stdio: "inherit", env: { ...process.env, NODE_ENV: "production" } });
  if (b.status !== 0) process.exit(b.status ?? 1);
}
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

async function main() {
  const runtimePath = path.join(DATA_DIR, "runtime.json");
  const deadline = Date.now() + 180_000;
  while (!existsSync(runtimePath)) {
    if (launcherExited || Date.now() > deadline) throw new Error("the launcher did not start");
    await sleep(200);
  }
  const runtime = JSON.parse(readFileSync(runtimePath, "utf8")) as { databaseUrl: string };
  const secrets = JSON.parse(readFileSync(path.join(DATA_DIR, "secrets.json"), "utf8")) as { META_APP_SECRET: string; META_VERIFY_TOKEN: string };
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
  const tenants: Array<{ orgId: string; meta: Metadata }> = [];
  for (let i = 0; i < TENANTS; i++) {
    const { rows } = await db.query<{ id: string }>("insert into public.organizations (name) values ($1) returning id", [`Bench ${i}`]);
    const meta = { phoneNumberId: `bench${i}${randomBytes(4).toString("hex")}`, displayPhoneNumber: `+91 90000 ${String(10000 + i)}`, wabaId: `benchwaba${i}` };
    await db.query(
      "insert into public.channels (org_id, mode, phone_number_id, waba_id, display_phone_number, is_default) values ($1, 'sandbox', $2, $3, $4, true)",
      [rows[0].id, meta.phoneNumberId, meta.wabaId, meta.displayPhoneNumber],
    );
    tenants.push({ orgId: rows[0].id, meta });
  }
  const orgIds = tenants.map((t) => t.orgId);
  const http1 = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

  const results: Array<Record<string, string | number>> = [];
  for (const perPost of PER_POST) {
    // ---------------------------------------------------------------- events
    const statusCount = Math.round(EVENTS * STATUS_SHARE);
    const inboundCount = EVENTS - statusCount;
    // Each status points at an outbound message; a third each end sent / delivered / read.
    const outbound: Array<{ wamid: string; tenant: number }> = [];
    const perMessage = 3;
    const messagesNeeded = Math.ceil(statusCount / perMessage);
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
    type Ev = { tenant: number; payload: unknown; eventId: string; inboundWamid?: string };
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
      const o = outbound[Math.floor(i / perMessage)];
      events.push({
        tenant: o.tenant,
        eventId: `status:${o.wamid}:${statuses[i % perMessage]}`,
        payload: statusPayload(tenants[o.tenant].meta, { wamid: o.wamid, recipientId: "919000000000", status: statuses[i % perMessage] }),
      });
    }
    // Shuffle, then group per tenant into POSTs of perPost changes (Meta batches per WABA).
    for (let i = events.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [events[i], events[j]] = [events[j], events[i]];
    }
    const byTenant = new Map<number, Ev[]>();
    for (const e of events) byTenant.set(e.tenant, [...(byTenant.get(e.tenant) ?? []), e]);
    const bodies: Array<{ body: string; signature: string; events: number }> = [];
    for (const list of byTenant.values()) {
      for (let i = 0; i < list.length; i += perPost) {
        const group = list.slice(i, i + perPost);
        const body = JSON.stringify(combineChanges(...group.map((g) => g.payload as ReturnType<typeof inboundTextPayload>)));
        bodies.push({ body, signature: signMetaPayload(body, secrets.META_APP_SECRET), events: group.length });
      }
    }
    for (let i = bodies.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [bodies[i], bodies[j]] = [bodies[j], bodies[i]];
    }

    const fire = async () => {
      const cpu0 = treeCpuSeconds(launcher.pid!);
      const parts0 = cpuByPart(launcher.pid!);
      const own0 = process.cpuUsage();
      const load0 = loadavg()[0];
      const latencies: number[] = new Array(bodies.length);
      let next = 0;
      let failures = 0;
      const t0 = process.hrtime.bigint();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          for (;;) {
            const i = next++;
            if (i >= bodies.length) return;
            const s = process.hrtime.bigint();
            const status = await post(http1, bodies[i].body, bodies[i].signature);
            latencies[i] = Number(process.hrtime.bigint() - s) / 1e6;
            if (status !== 200) failures++;
          }
        }),
      );
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const own = process.cpuUsage(own0);
      return {
        seconds,
        latencies: latencies.sort((a, b) => a - b),
        failures,
        serverCpu: treeCpuSeconds(launcher.pid!) - cpu0,
        clientCpu: (own.user + own.system) / 1e6,
        load: (load0 + loadavg()[0]) / 2,
        cpu0,
        parts: Object.fromEntries(Object.entries(cpuByPart(launcher.pid!)).map(([k, v]) => [k, v - (parts0[k] ?? 0)])),
      };
    };

    // Warm up the route (JIT, pool) with a few hundred POSTs of their own events.
    await warmUp(http1, tenants[0].meta, secrets.META_APP_SECRET);

    const first = await fire();
    const drainStart = Date.now();
    const pending = async () =>
      (await db.query<{ n: number }>("select count(*)::int as n from public.webhook_events where processed_at is null and org_id = any($1::uuid[])", [orgIds])).rows[0].n;
    while ((await pending()) > 0) await sleep(100);
    const drainSeconds = first.seconds + (Date.now() - drainStart) / 1000;
    const cpuWithProcessing = treeCpuSeconds(launcher.pid!) - first.cpu0;

    const replay = await fire();
    while ((await pending()) > 0) await sleep(100);

    // ---------------------------------------------------------------- count rows
    const wamidsIn = events.flatMap((e) => (e.inboundWamid ? [e.inboundWamid] : []));
    const stored = await db.query<{ n: number }>("select count(*)::int as n from public.messages where direction = 'inbound' and wamid = any($1)", [wamidsIn]);
    const eventIds = events.map((e) => e.eventId);
    const evRows = await db.query<{ n: number; processed: number }>(
      "select count(*)::int as n, count(processed_at)::int as processed from public.webhook_events where source = 'meta' and event_id = any($1)",
      [eventIds],
    );
    const dupEvents = await db.query<{ n: number }>(
      "select count(*)::int as n from (select event_id from public.webhook_events where event_id = any($1) group by event_id having count(*) > 1) d",
      [eventIds],
    );
    const finalStatus = await db.query<{ status: string; n: number }>(
      "select status, count(*)::int as n from public.messages where wamid = any($1) group by status order by status",
      [outbound.map((o) => o.wamid)],
    );
    const expectedRead = outbound.length;
    const lost = inboundCount - stored.rows[0].n + (events.length - evRows.rows[0].n);
    const duplicated = dupEvents.rows[0].n;
    const readCount = finalStatus.rows.find((r) => r.status === "read")?.n ?? 0;

    const eventsPerSecond = events.length / first.seconds;
    results.push({
      "events/POST": perPost,
      POSTs: bodies.length,
      events: events.length,
      "events/s": Math.round(eventsPerSecond),
      "POSTs/s": Math.round(bodies.length / first.seconds),
      "ack p50 ms": fmt(pct(first.latencies, 50), 2),
      "ack p99 ms": fmt(pct(first.latencies, 99), 2),
      // CPU the app (Next.js + Postgres + worker) spent per event while the POSTs ran — the figure
      // that does not depend on what else the shared machine is doing.
      "server CPU µs/event": Math.round((first.serverCpu / events.length) * 1e6),
      "server CPU µs/event, incl. processing": Math.round((cpuWithProcessing / events.length) * 1e6),
      "client CPU µs/event": Math.round((first.clientCpu / events.length) * 1e6),
      "CPU µs/event by part": Object.entries(first.parts)
        .filter(([, v]) => v > 0)
        .map(([k, v]) => `${k} ${Math.round((v / events.length) * 1e6)}`)
        .join(", "),
      "2 idle cores ≈ events/s": Math.round(2 / ((first.serverCpu + first.clientCpu) / events.length)),
      "load average": fmt(first.load, 1),
      "non-200": first.failures + replay.failures,
      "processed events/s": Math.round(events.length / drainSeconds),
      "replay events/s": Math.round(events.length / replay.seconds),
      "replay p50 ms": fmt(pct(replay.latencies, 50), 2),
      lost,
      duplicated,
      "statuses at read": `${readCount}/${expectedRead}`,
    });
    console.log(`\n  ${perPost} event(s) per POST`);
    for (const [k, v] of Object.entries(results[results.length - 1])) console.log(`    ${k.padEnd(20)} ${v}`);
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
  await floor("Next.js floor, GET verification", () => get(floorAgent, `/api/webhook?hub.mode=subscribe&hub.verify_token=${secrets.META_VERIFY_TOKEN}&hub.challenge=1`));
  await floor("Next.js floor, POST refused at the signature (body read + HMAC)", () => post(floorAgent, sample, "sha256=" + "0".repeat(64)));
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
    console.log(`    ${r["events/POST"]} event(s)/POST: ${r["events/s"]} events/s, p50 ${r["ack p50 ms"]} ms, p99 ${r["ack p99 ms"]} ms, lost ${r.lost}, duplicated ${r.duplicated}`);
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
    const label = cmd.includes("postgres") ? "postgres" : cmd.includes("worker") ? "worker" : cmd.includes("next") ? "next" : "other";
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

async function warmUp(agent: http.Agent, meta: Metadata, secret: string) {
  const bodies = Array.from({ length: 300 }, (_, i) => {
    const body = JSON.stringify(inboundTextPayload(meta, { from: `9190000${String(i).padStart(5, "0")}`, wamid: `wamid.warm${randomBytes(8).toString("hex")}`, text: "warm up" }));
    return { body, signature: signMetaPayload(body, secret) };
  });
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < bodies.length) {
        const b = bodies[next++];
        await post(agent, b.body, b.signature);
      }
    }),
  );
}
