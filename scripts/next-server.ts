// Next.js in production mode, on a Unix socket, behind the front (scripts/web-server.ts), which
// passes it every request it does not serve itself. A process of its own: Next.js keeps
// AsyncLocalStorage contexts, and once any is in use Node 20 runs a hook on every promise of the
// process, which cost the API's send path about 300 µs of CPU per request (npm run bench:send)
// when the front and Next.js shared a process.
//
// Usage: tsx scripts/next-server.ts <socket path> — started by scripts/next-upstream.ts, which
// waits for the "ready" message (IPC) before the front opens its port.
import { rmSync } from "node:fs";
import http from "node:http";

// As `next start` does: React, Next.js and the security headers read it when they load.
Object.assign(process.env, { NODE_ENV: "production" });
const { default: next } = await import("next");

process.title = "next-server";
const socketPath = process.argv[2];
if (!socketPath) {
  console.error("usage: tsx scripts/next-server.ts <socket path>");
  process.exit(2);
}
// The public port, for the URLs Next.js builds itself.
const port = Number(process.env.PORT ?? 3000);
const app = next({ dev: false, dir: process.cwd(), hostname: "localhost", port });
const handle = app.getRequestHandler();
await app.prepare();

rmSync(socketPath, { force: true });
// However it ends (short of SIGKILL), it leaves no socket file behind in the temp directory.
process.on("exit", () => rmSync(socketPath, { force: true }));
const server = http.createServer((req, res) => void handle(req, res));
// Longer than the front's idle timeout for its connections here (lib/http/reverse-proxy.ts).
server.keepAliveTimeout = 65_000;
server.listen(socketPath, () => process.send?.("ready"));

const stop = () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 3000).unref();
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
// The front that started it is gone (the IPC channel closed): nothing can reach this server any more.
process.on("disconnect", stop);
