// Runs the production web server (scripts/web-server.ts: Next.js and its fast lane) in N
// processes sharing one port (node:cluster: this primary accepts the connections and hands them
// to the workers in turn). Started by scripts/launch.ts when
// WEB_CONCURRENCY > 1 in production mode; the sandbox servers and the worker stay single, in the
// launcher. Usage: tsx scripts/next-cluster.ts <port> <processes>
// If a worker dies the primary stops the others and exits with its code, so the launcher stops
// everything (as it does when a single `next start` dies).
import cluster from "node:cluster";

const [port, count] = process.argv.slice(2).map(Number);
if (!Number.isInteger(port) || !Number.isInteger(count) || count < 1) {
  console.error("usage: tsx scripts/next-cluster.ts <port> <processes>");
  process.exit(2);
}

// Each worker is the production web server: Next.js plus the fast lane (scripts/web-server.ts).
cluster.setupPrimary({ exec: "scripts/web-server.ts", args: [String(port)], execArgv: ["--import", "tsx"] });
let stopping = false;
for (let i = 0; i < count; i++) cluster.fork();

function stopAll(code: number) {
  if (stopping) return;
  stopping = true;
  const workers = Object.values(cluster.workers ?? {}).filter((w) => w && !w.isDead());
  for (const w of workers) w!.process.kill("SIGTERM");
  let left = workers.length;
  if (!left) process.exit(code);
  cluster.on("exit", () => {
    if (--left <= 0) process.exit(code);
  });
}

cluster.on("exit", (worker, code, signal) => {
  if (stopping) return;
  console.error(`Next.js worker ${worker.process.pid} exited (${signal ?? `code ${code}`}); stopping the others.`);
  stopAll(code ?? 1);
});
process.on("SIGTERM", () => stopAll(0));
process.on("SIGINT", () => stopAll(0));
