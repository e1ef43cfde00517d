// Starts scripts/next-server.ts (Next.js on a Unix socket) and resolves once it listens. Used by the
// production front (scripts/web-server.ts) when it runs alone, and by scripts/next-cluster.ts once
// for all its fronts.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export interface NextUpstream {
  socketPath: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function startNextUpstream(): Promise<NextUpstream> {
  // In the temp directory: a socket path must stay under ~107 bytes, which a deep checkout may not.
  const socketPath = path.join(tmpdir(), `waba-next-${process.pid}-${randomBytes(4).toString("hex")}.sock`);
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/next-server.ts", socketPath], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    env: process.env,
  });
  await new Promise<void>((resolve, reject) => {
    child.once("message", (m) => (m === "ready" ? resolve() : reject(new Error(`Next.js server said ${String(m)}`))));
    child.once("exit", (code, signal) => reject(new Error(`Next.js server exited before it was ready (${signal ?? `code ${code}`})`)));
  });
  const exited = new Promise<void>((r) => (child.exitCode !== null ? r() : child.once("exit", () => r())));
  return {
    socketPath,
    child,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
      rmSync(socketPath, { force: true });
    },
  };
}
