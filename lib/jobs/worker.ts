import { stopBoss } from "../campaigns/queue";
import { startCampaignWorkers } from "../campaigns/worker";
import { env } from "../config/env";
import { closePools } from "../db/pool";
import { logger } from "../log";
import { periodicJobs } from "./registry";

/**
 * Runs every periodic job on its interval until stopped. Each job is a sweep that is safe to run
 * on any number of workers at once (they claim rows with FOR UPDATE SKIP LOCKED), so workers
 * scale out with no coordination beyond Postgres. Campaign runs are pg-boss jobs (its own schema in
 * the same Postgres), picked up by whichever worker polls first.
 */
export async function runWorker(opts: { closePools?: boolean } = {}): Promise<() => Promise<void>> {
  const log = logger.child({ component: "worker" });
  let stopped = false;
  const running = new Set<Promise<void>>();
  // WORKER_JOBS picks the jobs of a specialised worker (e.g. one that only runs campaigns).
  const only = env().WORKER_JOBS?.split(",").map((s) => s.trim()).filter(Boolean);
  const wanted = (name: string) => !only || only.includes(name);
  const jobs = periodicJobs.filter((j) => wanted(j.name));
  const timers = jobs.map((job) => {
    const tick = async () => {
      if (stopped) return;
      const p = job
        .run()
        .then((n) => {
          if (n) log.info({ job: job.name, processed: n }, "job ran");
        })
        .catch((err: unknown) => log.error({ job: job.name, err: (err as Error).message }, "job failed"))
        .finally(() => running.delete(p));
      running.add(p);
      await p;
      if (!stopped) timer = setTimeout(tick, job.intervalMs);
    };
    let timer = setTimeout(tick, 0);
    return () => clearTimeout(timer);
  });
  // Durable queued jobs (pg-boss): campaign runs (lib/campaigns/worker.ts).
  const stopCampaigns = wanted("campaigns.run") ? await startCampaignWorkers() : async () => undefined;
  // Keep the process alive even when no job is registered yet (the worker runs until stopped).
  const keepAlive = setInterval(() => undefined, 60_000);
  log.info({ jobs: jobs.map((j) => j.name) }, "worker started");
  return async () => {
    stopped = true;
    clearInterval(keepAlive);
    timers.forEach((t) => t());
    await stopCampaigns();
    await stopBoss();
    await Promise.all(running);
    if (opts.closePools !== false) await closePools();
  };
}
