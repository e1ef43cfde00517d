import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { startEmbeddedPostgres } from "../../lib/db/embedded";
import { migrate } from "../../lib/db/migrate";
import { prepareBench } from "./wallet-bench";
const dataDir = await mkdtemp(path.join(os.tmpdir(), "wloop-"));
const db = await startEmbeddedPostgres({ dataDir: path.join(dataDir, "pg"), password: "bench", database: "bench" });
await migrate(db.url);
const orgId = await prepareBench(db.url);
const N = Number(process.env.CONNS ?? 8);
const sql = process.env.V === "bare"
  ? "update public.wallets set balance_paise = balance_paise - $2 where org_id = $1 and balance_paise >= $2 returning true as ok"
  : "select status = 'applied' as ok from private.wallet_debit($1, $2, $3)";
const clients = await Promise.all(Array.from({ length: N }, async () => { const c = new pg.Client({ connectionString: db.url }); await c.connect(); await c.query("set role service_role"); return c; }));
console.log("START", process.pid); 
const start = performance.now(); const deadline = start + Number(process.env.SECS ?? 12) * 1000; let ops = 0;
await Promise.all(clients.map(async (c, w) => { for (let i = 0; performance.now() < deadline; i++) { await c.query({ name: "q", text: sql, values: process.env.V === "bare" ? [orgId, 20] : [orgId, 20, `r:${w}:${i}`] }); ops++; } }));
console.log(process.env.V, Math.round(ops / ((performance.now() - start) / 1000)), "/s");
await Promise.all(clients.map((c) => c.end())); await db.stop(); process.exit(0);
