// npm run bench:wallet [-- --seconds 5 --slices 5 --concurrency 1,8,32]
// Debits per second on one wallet through the product's debit (private.wallet_debit_commit) and
// through private.wallet_debit in an ordinary commit, beside the least a ledger-writing debit with an
// ordinary commit can do and a bare conditional UPDATE, on an embedded PostgreSQL started fresh for the run
// with normal durability (fsync and synchronous_commit on) and removed afterwards.
// The logic lives in wallet-bench.ts (smoke-tested by wallet-bench.test.ts).
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { startEmbeddedPostgres } from "../../lib/db/embedded";
import { migrate } from "../../lib/db/migrate";
import { calibrate, formatCalibration } from "./calibrate";
import { formatReport, prepareBench, ratio, runWalletBench } from "./wallet-bench";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "5" },
    slices: { type: "string", default: "5" },
    concurrency: { type: "string", default: "1,8,32" },
  },
});
const seconds = Number(values.seconds);
const slices = Number(values.slices);
const concurrencies = values.concurrency.split(",").map(Number);
if (!(seconds > 0) || !Number.isInteger(slices) || slices < 1 || concurrencies.some((n) => !Number.isInteger(n) || n < 1)) {
  console.error("usage: npm run bench:wallet -- [--seconds 5] [--slices 5] [--concurrency 1,8,32]");
  process.exit(2);
}

// Before Postgres starts, and again after the run: how much CPU the machine had.
console.log(formatCalibration(await calibrate()));
const dataDir = await mkdtemp(path.join(os.tmpdir(), "wallet-bench-"));
const db = await startEmbeddedPostgres({
  dataDir: path.join(dataDir, "pg"),
  port: process.env.EMBEDDED_PG_PORT ? Number(process.env.EMBEDDED_PG_PORT) : undefined,
  password: "bench",
  database: "bench",
});
let code = 0;
try {
  await migrate(db.url);
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  const { rows } = await c.query<{ version: string; fsync: string; sync: string }>(
    "select current_setting('server_version') as version, current_setting('fsync') as fsync, current_setting('synchronous_commit') as sync",
  );
  await c.end();
  console.log(
    `wallet bench: PostgreSQL ${rows[0].version} (fsync=${rows[0].fsync}, synchronous_commit=${rows[0].sync}), ` +
      `${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}\n` +
      `one wallet, 20 paise per call, ${seconds}s per cell in ${slices} rotating slices`,
  );
  const orgId = await prepareBench(db.url);
  const cells = await runWalletBench({ url: db.url, orgId, durationMs: seconds * 1000, slices, concurrencies, log: console.log });
  console.log("");
  for (const line of formatReport(cells)) console.log(line);
  console.log(`load average after: ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
  if (concurrencies.includes(8)) {
    const r = ratio(cells, 8, "debit", "bare");
    console.log(`target debit >= 80% of bare at 8 connections: ${(r * 100).toFixed(0)}% ${r >= 0.8 ? "(met)" : "(NOT met)"}`);
  }
  if (cells.some((c) => c.failures > 0)) {
    console.error("some calls did not debit: the balance ran out or a call failed; the figures are not valid");
    code = 1;
  }
} finally {
  await db.stop();
  await rm(dataDir, { recursive: true, force: true });
}
console.log(`After the run: ${formatCalibration(await calibrate())}`);
process.exit(code);
