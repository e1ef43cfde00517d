// Runs the production front (scripts/web-server.ts) in N processes sharing one port (node:cluster:
// this primary accepts the connections and hands them to the workers in turn), with one Next.js
// server (scripts/next-server.ts) behind all of them. Started by scripts/launch.ts when
// WEB_CONCURRENCY > 1 in production mode; the sandbox servers and the worker stay single, in the
// launcher. Usage: tsx scripts/next-cluster.ts <port> <processes>
// If a worker or the Next.js server dies the primary stops the others and exits with its code, so
// the launcher stops everything (as it does when a single front dies).
import cluster from "node:cluster";
import { startNextUpstream } from "./next-upstream";

const [port, count] = process.argv.slice(2).map(Number);
if (!Number.isInteger(port) || !Number.isInteger(count) || count < 1) {
  console.error("usage: tsx scripts/next-cluster.ts <port> <processes>");
  process.exit(2);
}

let stopping = false;
const upstream = await startNextUpstream();
upstream.child.once("exit", (code, signal) => {
  if (stopping) return;
  console.error(`Next.js server exited (${signal ?? `code ${code}`}); stopping the fronts.`);
  stopAll(code || 1);
});

cluster.setupPrimary({ exec: "scripts/web-server.ts", args: [String(port)], execArgv: ["--import", "tsx"] });
for (let i = 0; i < count; i++) cluster.fork({ NEXT_UPSTREAM_SOCKET: upstream.socketPath });

function stopAll(code: number) {
  if (stopping) return;
  stopping = true;
  const workers = Object.values(cluster.workers ?? {}).filter((w) => w && !w.isDead());
  for (const w of workers) w!.process.kill("SIGTERM");
  let left = workers.length;
  const done = () => void upstream.stop().finally(() => process.exit(code));
  if (!left) return done();
  cluster.on("exit", () => {
    if (--left <= 0) done();
  });
}

cluster.on("exit", (worker, code, signal) => {
  if (stopping) return;
  console.error(`Front ${worker.process.pid} exited (${signal ?? `code ${code}`}); stopping the others.`);
  stopAll(code ?? 1);
});
process.on("SIGTERM", () => stopAll(0));
process.on("SIGINT", () => stopAll(0));
