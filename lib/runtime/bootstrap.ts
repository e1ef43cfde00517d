import path from "node:path";
import pg from "pg";
import { startEmbeddedPostgres } from "../db/embedded";
import { migrate, type MigrateResult } from "../db/migrate";
import { DATA_DIR, loadLocalSecrets, readRuntime } from "./local";

export interface Database {
  url: string;
  embedded: boolean;
  migrated: MigrateResult;
  /** Stops the embedded cluster when this process started it; otherwise does nothing. */
  stop(): Promise<void>;
}

const DEFAULT_EMBEDDED_PORT = 54329;

async function canConnect(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1500 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

/**
 * Fills process.env with the embedded default's secrets wherever the environment does not set
 * them, so the launcher, CLI and worker share one set on this machine.
 */
export async function applyLocalSecrets(dataDir = DATA_DIR): Promise<void> {
  const s = await loadLocalSecrets(dataDir);
  process.env.AUTH_SECRET ??= s.AUTH_SECRET;
  process.env.APP_ENCRYPTION_KEY ??= s.APP_ENCRYPTION_KEY;
  process.env.META_APP_SECRET ??= s.META_APP_SECRET;
  process.env.META_VERIFY_TOKEN ??= s.META_VERIFY_TOKEN;
  process.env.SANDBOX_RAZORPAY_KEY_SECRET ??= s.SANDBOX_RAZORPAY_KEY_SECRET;
  process.env.SANDBOX_RAZORPAY_WEBHOOK_SECRET ??= s.SANDBOX_RAZORPAY_WEBHOOK_SECRET;
}

/**
 * The database for this process: DATABASE_URL when set; otherwise the embedded cluster under
 * .data/pg — joined if a launcher already runs it, started here if not. Always migrated.
 */
export async function ensureDatabase(opts: { dataDir?: string; log?: (l: string) => void } = {}): Promise<Database> {
  const dataDir = opts.dataDir ?? DATA_DIR;
  if (process.env.DATABASE_URL) {
    const migrated = await migrate(process.env.DATABASE_URL);
    return { url: process.env.DATABASE_URL, embedded: false, migrated, stop: async () => undefined };
  }
  const secrets = await loadLocalSecrets(dataDir);
  const running = readRuntime(dataDir);
  if (running && (await canConnect(running.databaseUrl))) {
    process.env.DATABASE_URL = running.databaseUrl;
    const migrated = await migrate(running.databaseUrl);
    return { url: running.databaseUrl, embedded: true, migrated, stop: async () => undefined };
  }
  const port = Number(process.env.EMBEDDED_PG_PORT ?? DEFAULT_EMBEDDED_PORT);
  const db = await startEmbeddedPostgres({
    dataDir: path.join(dataDir, "pg"),
    port,
    password: secrets.DB_PASSWORD,
    database: "app",
    log: opts.log,
  });
  process.env.DATABASE_URL = db.url;
  const migrated = await migrate(db.url);
  return { url: db.url, embedded: true, migrated, stop: db.stop };
}
