// How fast this machine's cores are right now, printed at the top of the benchmarks.
//
// The benchmarks' targets are throughputs "on this 2-core machine", but the VMs they run on
// differ from session to session and from minute to minute: with the same commit, bench:send and
// bench:webhook have measured twice the CPU per request on one VM as on another. A fixed piece of
// work (SHA-256 chains, no I/O, no allocation to speak of) timed on one thread, then on one thread
// per core at once, says how much CPU the machine really had: the second figure also shows when
// the "cores" slow each other down (hyper-threads or a busy host), which the load average does not.
import os from "node:os";
import { Worker } from "node:worker_threads";

// The fixed work, as plain JavaScript: tsx does not compile code run in a worker from a string.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { createHash } = require("node:crypto");
const t0 = performance.now();
let b = Buffer.alloc(1024, 1);
for (let i = 0; i < workerData; i++) {
  const d = createHash("sha256").update(b).digest();
  d.copy(b, i % (b.length - d.length));
}
parentPort.postMessage(performance.now() - t0);
`;

function spinInWorker(rounds: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: rounds });
    w.once("message", (ms: number) => {
      resolve(ms);
      void w.terminate();
    });
    w.once("error", reject);
  });
}

export interface Calibration {
  cores: number;
  /** ms for the work on one thread, the machine otherwise idle (as far as we know). */
  oneMs: number;
  /** ms for the same work on each of `cores` threads at once (the slowest of them). */
  allMs: number;
  /** cores × one / all: how many of the one-thread speed the machine delivers with every core busy. */
  effectiveCores: number;
}

export async function calibrate(rounds = 300_000, cores = os.cpus().length): Promise<Calibration> {
  await spinInWorker(Math.ceil(rounds / 10)); // warm-up (JIT, worker start)
  const oneMs = await spinInWorker(rounds);
  const all = await Promise.all(Array.from({ length: cores }, () => spinInWorker(rounds)));
  const allMs = Math.max(...all);
  return { cores, oneMs, allMs, effectiveCores: (cores * oneMs) / allMs };
}

export function formatCalibration(c: Calibration): string {
  return (
    `CPU calibration: a fixed SHA-256 workload takes ${c.oneMs.toFixed(0)} ms on one thread, ` +
    `${c.allMs.toFixed(0)} ms on ${c.cores} threads at once → ${c.effectiveCores.toFixed(2)} of ${c.cores} cores' worth ` +
    `(lower ms = faster machine; compare runs by these before comparing their rates)`
  );
}
