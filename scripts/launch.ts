// npm run dev | npm start — the one command that runs the product.
// With no DATABASE_URL it starts an embedded PostgreSQL under .data/, migrates, seeds demo data,
// starts the sandbox integrations, then runs Next.js and the background worker beside it.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { applyLocalSecrets, ensureDatabase } from "../lib/runtime/bootstrap";
import { runtimeFile, writeRuntime } from "../lib/runtime/local";
import { startSandboxServices } from "../lib/sandbox/services";
import { DEMO, seedDemo } from "../lib/seed/demo";
import { closePools } from "../lib/db/pool";

const mode = process.argv[2] === "start" ? "start" : "dev";
if (existsSync(".env")) process.loadEnvFile(".env");
(process.env as Record<string, string>).NODE_ENV ??= mode === "start" ? "production" : "development";
const port = Number(process.env.PORT ?? 3000);
process.env.APP_URL ??= `http://localhost:${port}`;

const embedded = !process.env.DATABASE_URL;
if (embedded) await applyLocalSecrets();
const db = await ensureDatabase({ log: process.env.DEBUG_PG ? (l) => process.stdout.write(l) : undefined });
if (db.migrated.applied.length) console.log(`Migrated: ${db.migrated.applied.join(", ")}`);

const sandboxOn = process.env.WHATSAPP_MODE !== "live" || !process.env.RAZORPAY_KEY_ID;
let seeded = false;
if (embedded || process.env.SEED_DEMO === "true") {
  const r = await seedDemo();
  seeded = r.created;
}
await closePools();

const sandbox = sandboxOn ? await startSandboxServices({ appUrl: process.env.APP_URL }) : null;
Object.assign(process.env, sandbox?.env ?? {});
if (embedded) {
  await writeRuntime({ databaseUrl: db.url, appUrl: process.env.APP_URL, graphApiUrl: process.env.GRAPH_API_URL, pid: process.pid });
}

// Production serves from WEB_CONCURRENCY Next.js processes on the one port (scripts/next-cluster.ts);
// dev is always one (HMR). Default: one per core, less one core when Postgres runs embedded on this
// machine. The database needs about as much CPU per send as the web server, and on 2 cores one web
// process beside it sent ~20 % more per second than two (npm run bench:send): two web processes
// and the database backends contending for two cores cost more CPU per request in every process.
// The sandbox servers above and the worker are started once, here, whatever the count. Each
// process enforces 1/N of an API key's rate limit (lib/apikeys/rate-limit.ts).
const defaultWebProcesses = Math.max(1, availableParallelism() - (embedded ? 1 : 0));
const webProcesses = mode === "start" ? Number(process.env.WEB_CONCURRENCY ?? defaultWebProcesses) : 1;
if (!Number.isInteger(webProcesses) || webProcesses < 1 || webProcesses > 64) {
  console.error(`WEB_CONCURRENCY must be a whole number from 1 to 64 (got "${process.env.WEB_CONCURRENCY}").`);
  process.exit(2);
}
process.env.RATE_LIMIT_PROCESSES = String(webProcesses);

const children: ChildProcess[] = [];
const nextBin = "node_modules/next/dist/bin/next";
children.push(
  webProcesses > 1
    ? spawn(process.execPath, ["--import", "tsx", "scripts/next-cluster.ts", String(port), String(webProcesses)], { stdio: "inherit", env: process.env })
    : mode === "start"
      ? spawn(process.execPath, ["--import", "tsx", "scripts/web-server.ts", String(port)], { stdio: "inherit", env: process.env })
      : spawn(process.execPath, [nextBin, mode, "-p", String(port)], { stdio: "inherit", env: process.env }),
);
if (process.env.START_WORKER !== "false") {
  children.push(
    spawn(process.execPath, ["--import", "tsx", "scripts/worker.ts"], { stdio: "inherit", env: process.env }),
  );
}

console.log(`
  WhatsApp platform ${mode === "dev" ? "(development)" : `(production build, ${webProcesses} Next.js process${webProcesses > 1 ? "es" : ""})`} on ${process.env.APP_URL}
  Database: ${embedded ? `embedded PostgreSQL (${process.env.DATA_DIR ?? ".data"}/pg)` : "DATABASE_URL"}${seeded ? " — demo data seeded" : ""}
  Integrations: ${sandboxOn ? "SANDBOX (no real WhatsApp messages or payments)" : "live"}
  ${embedded ? `Demo login: ${DEMO.ownerEmail} / ${DEMO.ownerPassword}
  Operator:   ${DEMO.operatorEmail} / ${DEMO.operatorPassword}` : ""}
`);

let stopping = false;
async function shutdown(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const c of children) c.kill("SIGTERM");
  await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once("exit", r)))));
  await sandbox?.stop();
  if (embedded) await rm(runtimeFile(), { force: true });
  await db.stop();
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));
for (const [i, c] of children.entries()) {
  c.on("exit", (code, signal) => {
    if (stopping) return;
    console.error(`${i === 0 ? "Next.js" : "The worker"} exited (${signal ?? `code ${code}`}); stopping everything.`);
    void shutdown(code ?? 1);
  });
}
