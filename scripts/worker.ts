// npm run worker — background jobs (send reconciliation, webhook processing, payment reconciliation).
// Jobs are registered by the services that own them in lib/jobs/registry.ts.
import { applyLocalSecrets, ensureDatabase } from "../lib/runtime/bootstrap";
import { runWorker } from "../lib/jobs/worker";

if (!process.env.DATABASE_URL) await applyLocalSecrets();
const db = await ensureDatabase();
const stop = await runWorker();
const shutdown = async () => {
  await stop();
  await db.stop();
  process.exit(0);
};
process.on("SIGINT", () => void shutdown());
process.on("SIGTERM", () => void shutdown());
