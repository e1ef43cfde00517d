// npm run bench:campaign — a 100,000-recipient campaign against the sandbox Graph API, the channel
// set to 1,000 messages per second, run by the real worker process (scripts/worker.ts, pg-boss).
//
// Starts its own embedded Postgres (E2E_PG_PORT, default 54347) in .test-data/bench-campaign, the
// sandbox Graph API in this process (status webhooks off: this measures sending), one organization
// with a wallet, a sandbox channel (throughput_mps = --mps), an APPROVED template and --recipients
// contacts, launches the campaign through the service, and spawns --workers worker processes.
// Prints the achieved rate (from the sandbox's receive times), the pacing error against the
// configured rate (whole run, and the worst full second), the time from launch to the last send,
// and checks that every recipient got exactly one message and was charged once.
//
// Flags: --recipients 100000 --mps 1000 --workers 1 --pg-port 54347 --keep --profile DIR
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";

const { values: flags } = parseArgs({
  options: {
    recipients: { type: "string", default: "100000" },
    mps: { type: "string", default: "1000" },
    workers: { type: "string", default: "1" },
    "pg-port": { type: "string", default: process.env.E2E_PG_PORT ?? "54347" },
    keep: { type: "boolean", default: false },
    // Writes a V8 CPU profile of each worker process into this directory (open in Chrome DevTools).
    profile: { type: "string" },
  },
});
const N = Number(flags.recipients);
const MPS = Number(flags.mps);
const WORKERS = Number(flags.workers);
const dataDir = path.resolve(".test-data/bench-campaign");
const log = (m: string) => process.stdout.write(`${m}\n`);

Object.assign(process.env, {
  AUTH_SECRET: process.env.AUTH_SECRET ?? "bench-auth-secret-bench-auth-secret-0123456789",
  APP_ENCRYPTION_KEY: process.env.APP_ENCRYPTION_KEY ?? Buffer.alloc(32, 9).toString("base64"),
  META_APP_SECRET: "bench-meta-app-secret",
  WHATSAPP_MODE: "sandbox",
  LOG_LEVEL: "warn",
});

const { startEmbeddedPostgres } = await import("../../lib/db/embedded");
const { migrate } = await import("../../lib/db/migrate");
await rm(dataDir, { recursive: true, force: true });
const pg = await startEmbeddedPostgres({ dataDir, port: Number(flags["pg-port"]), password: "bench", database: "postgres", unsafeFast: true });
process.env.DATABASE_URL = pg.url;
await migrate(pg.url);

const { startSandboxGraphServer } = await import("../../lib/sandbox/graph-server");
const graph = await startSandboxGraphServer({ appWebhookUrl: null, appSecret: process.env.META_APP_SECRET!, maxSent: N + 1000 });
process.env.GRAPH_API_URL = graph.url;
const { resetEnvCache } = await import("../../lib/config/env");
resetEnvCache();

const { withService } = await import("../../lib/db/tx");
const { connectSandboxChannel } = await import("../../lib/channels/channels");
const { credit } = await import("../../lib/wallet/wallet");
const { createCampaign } = await import("../../lib/campaigns/campaigns");
const { enqueueCampaignRun, stopBoss } = await import("../../lib/campaigns/queue");
const { closePools } = await import("../../lib/db/pool");

const children: ChildProcess[] = [];
let exitCode = 0;
try {
  log(`== setup: ${N.toLocaleString("en-IN")} contacts, channel at ${MPS}/s, ${WORKERS} worker process(es)`);
  const orgId = await withService(async (db) => {
    const { rows } = await db.query<{ id: string }>("insert into public.organizations (name, service_fee_paise) values ('Bench', 20) returning id");
    await credit(db, { orgId: rows[0].id, amountPaise: N * 20 + 10_000, reference: `bench:${randomUUID()}` });
    return rows[0].id;
  });
  const channel = await connectSandboxChannel({ orgId, displayPhone: "+91 98765 43210" });
  const templateId = await withService(async (db) => {
    await db.query("update public.channels set throughput_mps = $2, is_default = true where id = $1", [channel.id, MPS]);
    await db.query(
      `insert into public.contacts (org_id, wa_id, phone_e164, name, tags, attributes)
       select $1, w, '+' || w, 'Name ' || i, '{bench}', jsonb_build_object('code', 'C' || i)
         from generate_series(1, $2) i, lateral (select '919' || lpad(i::text, 7, '0') || '77' as w) x`,
      [orgId, N],
    );
    const { rows } = await db.query<{ id: string }>(
      `insert into public.message_templates (org_id, waba_id, name, language, category, status, components)
       select $1, waba_id, 'bench_offer', 'en_US', 'MARKETING', 'APPROVED', '[{"type":"BODY","text":"Hi {{1}}, code {{2}}"}]' from public.channels where id = $2
       returning id`,
      [orgId, channel.id],
    );
    return rows[0].id;
  });

  const workerEnv = { ...process.env, WORKER_JOBS: "campaigns.run,campaigns.sweep", GRAPH_API_TIMEOUT_MS: "30000" };
  for (let i = 0; i < WORKERS; i++) {
    const prof = flags.profile ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(flags.profile)}`] : [];
    const child = spawn(process.execPath, [...prof, "--import", "tsx", "scripts/worker.ts"], { env: workerEnv, stdio: ["ignore", "ignore", "inherit"] });
    children.push(child);
  }
  // Let the workers start (pg-boss polling) before the clock starts.
  await new Promise((r) => setTimeout(r, 3000));

  log("== launch");
  const t0 = Date.now();
  const created = await withService((db) =>
    createCampaign(db, orgId, null, {
      name: "Bench",
      template_id: templateId,
      variables: [{ source: "name" }, { source: "attribute", key: "code" }],
      audience: { type: "tags", tags: ["bench"] },
      action: "launch",
      mode: "all",
    }),
  );
  const launchMs = Date.now() - t0;
  const id = created.campaign!.id;
  await enqueueCampaignRun(id);
  const launchedAt = Date.now();
  log(`   created with ${created.quote.recipients.toLocaleString("en-IN")} recipients in ${launchMs} ms`);

  let last = 0;
  for (;;) {
    const { rows } = await withService((db) => db.query<{ status: string }>("select status from public.campaigns where id = $1", [id]));
    const sent = graph.state.sent.length;
    if (sent - last >= 10_000 || rows[0].status === "completed") {
      log(`   ${((Date.now() - launchedAt) / 1000).toFixed(1)} s: ${sent.toLocaleString("en-IN")} sent`);
      last = sent;
    }
    if (rows[0].status === "completed") break;
    if (children.every((c) => c.exitCode !== null)) throw new Error("every worker exited");
    await new Promise((r) => setTimeout(r, 500));
  }

  const at = graph.state.sent.map((s) => Date.parse(s.at)).sort((a, b) => a - b);
  const span = (at[at.length - 1] - at[0]) / 1000;
  const achieved = (at.length - 1) / span;
  // Per full second of the run: the worst deviation from the configured rate.
  const perSecond = new Map<number, number>();
  for (const t of at) perSecond.set(Math.floor((t - at[0]) / 1000), (perSecond.get(Math.floor((t - at[0]) / 1000)) ?? 0) + 1);
  const full = [...perSecond.entries()].filter(([s]) => s < Math.floor(span)).map(([, n]) => n);
  const worst = full.length ? Math.max(...full.map((n) => Math.abs(n / MPS - 1))) : 0;
  const { rows: check } = await withService((db) =>
    db.query<{ msgs: number; distinct_to: number; debits: number; balance: number; ledger: number }>(
      `select (select count(*)::int from public.messages where campaign_id = $1) as msgs,
              (select count(distinct contact_id)::int from public.messages where campaign_id = $1) as distinct_to,
              (select count(*)::int from public.wallet_transactions where org_id = $2 and kind = 'debit') as debits,
              (select balance_paise from public.wallets where org_id = $2) as balance,
              (select sum(amount_paise) from public.wallet_transactions where org_id = $2)::bigint as ledger`,
      [id, orgId],
    ),
  );
  const c = check[0];
  // CPU the worker processes used (Linux /proc), to tell "the machine was busy" from "the worker is the limit".
  const cpuMs = children.reduce((sum, ch) => {
    try {
      const f = readFileSync(`/proc/${ch.pid}/stat`, "utf8").split(") ")[1].split(" ");
      return sum + ((Number(f[11]) + Number(f[12])) * 1000) / 100;
    } catch {
      return sum;
    }
  }, 0);
  log("");
  log(`recipients                 ${N.toLocaleString("en-IN")}`);
  log(`configured rate            ${MPS} messages/s`);
  log(`achieved rate              ${achieved.toFixed(1)} messages/s (first to last send, ${span.toFixed(2)} s)`);
  log(`pacing error (whole run)   ${((achieved / MPS - 1) * 100).toFixed(2)} %`);
  log(`pacing error (worst second) ${(worst * 100).toFixed(1)} % (${full.length} full seconds)`);
  if (full.length) {
    const sorted = [...full].sort((a, b) => a - b);
    log(`sends per full second       min ${sorted[0]}, median ${sorted[Math.floor(sorted.length / 2)]}, max ${sorted[sorted.length - 1]}; seconds within 5 %: ${full.filter((n) => Math.abs(n / MPS - 1) <= 0.05).length} of ${full.length}`);
  }
  log(`launch to first send       ${((at[0] - launchedAt) / 1000).toFixed(2)} s`);
  log(`launch to last send        ${((at[at.length - 1] - launchedAt) / 1000).toFixed(2)} s (campaign created in ${(launchMs / 1000).toFixed(2)} s before that)`);
  log(`graph calls                ${graph.state.sent.length.toLocaleString("en-IN")} (${new Set(graph.state.sent.map((s) => s.to)).size.toLocaleString("en-IN")} distinct numbers)`);
  if (cpuMs) log(`worker CPU                 ${(cpuMs / 1000).toFixed(1)} s in all, ${((cpuMs * 1000) / N).toFixed(0)} µs per message (${((cpuMs / 1000 / span) * 100).toFixed(0)} % of a core while sending)`);
  log(`messages / charged         ${c.msgs.toLocaleString("en-IN")} / ${c.debits.toLocaleString("en-IN")} debits; balance ${c.balance} = ledger ${c.ledger}`);
  if (c.msgs !== N || c.distinct_to !== N || c.debits !== N || Number(c.balance) !== Number(c.ledger) || graph.state.sent.length !== N) {
    log("!! CHECK FAILED: every recipient must get exactly one message and one charge");
    exitCode = 1;
  }
} catch (err) {
  log(`bench failed: ${(err as Error).stack}`);
  exitCode = 1;
} finally {
  for (const ch of children) if (ch.exitCode === null) ch.kill("SIGTERM");
  await Promise.all(children.map((ch) => (ch.exitCode !== null ? null : new Promise((r) => ch.once("exit", r)))));
  await stopBoss().catch(() => undefined);
  await closePools();
  await graph.stop();
  await pg.stop();
  if (!flags.keep) await rm(dataDir, { recursive: true, force: true });
}
process.exit(exitCode);
