import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";

export const DATA_DIR = path.resolve(process.cwd(), process.env.DATA_DIR ?? ".data");

/**
 * Secrets for the embedded default, generated once on this machine and kept under .data/
 * (git-ignored, mode 0600). Real deployments set these in the environment instead, and an
 * environment value always wins.
 */
export interface LocalSecrets {
  AUTH_SECRET: string;
  APP_ENCRYPTION_KEY: string;
  DB_PASSWORD: string;
  META_APP_SECRET: string;
  META_VERIFY_TOKEN: string;
  SANDBOX_RAZORPAY_KEY_SECRET: string;
  SANDBOX_RAZORPAY_WEBHOOK_SECRET: string;
}

function generate(): LocalSecrets {
  const token = () => randomBytes(24).toString("base64url");
  return {
    AUTH_SECRET: randomBytes(48).toString("base64url"),
    APP_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    DB_PASSWORD: token(),
    META_APP_SECRET: token(),
    META_VERIFY_TOKEN: token(),
    SANDBOX_RAZORPAY_KEY_SECRET: token(),
    SANDBOX_RAZORPAY_WEBHOOK_SECRET: token(),
  };
}

export async function loadLocalSecrets(dataDir = DATA_DIR): Promise<LocalSecrets> {
  const file = path.join(dataDir, "secrets.json");
  if (existsSync(file)) {
    const existing = JSON.parse(readFileSync(file, "utf8")) as Partial<LocalSecrets>;
    const merged = { ...generate(), ...existing };
    if (Object.keys(existing).length !== Object.keys(merged).length) {
      await writeFile(file, JSON.stringify(merged, null, 2), { mode: 0o600 });
    }
    return merged;
  }
  await mkdir(dataDir, { recursive: true });
  const secrets = generate();
  await writeFile(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

/** Where a running launcher says its embedded database is, so the CLI and worker can join it. */
export interface RuntimeInfo {
  databaseUrl: string;
  appUrl: string;
  graphApiUrl?: string;
  pid: number;
}

export function runtimeFile(dataDir = DATA_DIR): string {
  return path.join(dataDir, "runtime.json");
}

export function readRuntime(dataDir = DATA_DIR): RuntimeInfo | null {
  try {
    return JSON.parse(readFileSync(runtimeFile(dataDir), "utf8")) as RuntimeInfo;
  } catch {
    return null;
  }
}

export async function writeRuntime(info: RuntimeInfo, dataDir = DATA_DIR): Promise<void> {
  await writeFile(runtimeFile(dataDir), JSON.stringify(info, null, 2), { mode: 0o600 });
}
