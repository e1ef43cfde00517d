import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "../../lib/db/embedded";
import { migrate } from "../../lib/db/migrate";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

/**
 * One real PostgreSQL for the whole run: TEST_DATABASE_URL when set, otherwise an embedded
 * cluster in a throwaway directory. Each run gets a fresh database, migrated from scratch, so
 * the migrations themselves are tested every time.
 */
export default async function setup(project: TestProject) {
  const dbName = `test_${Date.now()}_${randomBytes(3).toString("hex")}`;
  let stopCluster: (() => Promise<void>) | undefined;
  let adminUrl: string;
  const dataDir = path.resolve(".test-data", `pg-${process.pid}`);
  if (process.env.TEST_DATABASE_URL) {
    adminUrl = process.env.TEST_DATABASE_URL;
  } else {
    const db = await startEmbeddedPostgres({ dataDir, password: "test", database: "postgres", unsafeFast: true });
    adminUrl = db.url;
    stopCluster = db.stop;
  }
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  const databaseUrl = url.toString();
  await migrate(databaseUrl);
  project.provide("databaseUrl", databaseUrl);

  return async () => {
    if (stopCluster) {
      await stopCluster();
      await rm(dataDir, { recursive: true, force: true });
    } else {
      const a = new pg.Client({ connectionString: adminUrl });
      await a.connect();
      await a.query(`drop database if exists ${dbName} with (force)`);
      await a.end();
    }
  };
}
