import PgBoss from "pg-boss";
import { env } from "../config/env";
import { logger } from "../log";

// The durable job queue (pg-boss, in its own `pgboss` schema of the same Postgres). A campaign is
// driven by "campaign-run" jobs, one queued per campaign at a time (policy `short`: a second send
// for the same campaign while one waits is dropped). Each job runs one slice of the campaign and
// queues the next; a worker that dies leaves its lease to expire, and the sweep queues the campaign
// again, so a restart or another worker carries on.

export const CAMPAIGN_QUEUE = "campaign-run";

let bossPromise: Promise<PgBoss> | null = null;

/** A started pg-boss for this process (created on first use). */
export function getBoss(): Promise<PgBoss> {
  if (!bossPromise) {
    bossPromise = (async () => {
      const boss = new PgBoss({ connectionString: env().DATABASE_URL, schema: "pgboss", max: 4, application_name: "pgboss" });
      boss.on("error", (err: Error) => logger.error({ err: err.message }, "pg-boss error"));
      await boss.start();
      // Several processes start at once (app, workers): createQueue can deadlock with another's; retry.
      for (let attempt = 1; ; attempt++) {
        try {
          if (!(await boss.getQueue(CAMPAIGN_QUEUE))) {
            await boss.createQueue(CAMPAIGN_QUEUE, { name: CAMPAIGN_QUEUE, policy: "short", expireInSeconds: 7200, retryLimit: 3, retryDelay: 5 });
          }
          break;
        } catch (err) {
          if (attempt >= 5) throw err;
          await new Promise((r) => setTimeout(r, 200 * attempt));
        }
      }
      return boss;
    })();
    bossPromise.catch(() => (bossPromise = null));
  }
  return bossPromise;
}

/** Queues a run of the campaign (now, or after a date/seconds); a duplicate of a waiting run is dropped. */
export async function enqueueCampaignRun(campaignId: string, startAfter?: Date | number): Promise<void> {
  const boss = await getBoss();
  await boss.send(CAMPAIGN_QUEUE, { campaignId }, { singletonKey: campaignId, ...(startAfter !== undefined ? { startAfter } : {}) });
}

export async function stopBoss(): Promise<void> {
  const p = bossPromise;
  bossPromise = null;
  if (p) await (await p).stop({ graceful: true, wait: true, timeout: 30_000 });
}
