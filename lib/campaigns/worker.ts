import { env } from "../config/env";
import { logger } from "../log";
import { CAMPAIGN_QUEUE, enqueueCampaignRun, getBoss } from "./queue";
import { campaignsToRun, runCampaignSlice } from "./runner";

// The worker's side of campaigns: pg-boss handlers that run campaign slices, and the sweep that
// queues a run for every running campaign no live worker holds (after a crash or a restart, or a
// scheduled campaign whose time has come).

/** Starts CAMPAIGN_CONCURRENCY handlers of "campaign-run" on the job queue; returns a stop function. */
export async function startCampaignWorkers(): Promise<() => Promise<void>> {
  const boss = await getBoss();
  const ids: string[] = [];
  for (let i = 0; i < env().CAMPAIGN_CONCURRENCY; i++) {
    ids.push(
      await boss.work<{ campaignId: string }>(CAMPAIGN_QUEUE, { pollingIntervalSeconds: 0.5, batchSize: 1 }, async ([job]) => {
        const { campaignId } = job.data;
        const outcome = await runCampaignSlice(campaignId);
        if (outcome.state === "more") await enqueueCampaignRun(campaignId, outcome.afterSeconds);
        return outcome;
      }),
    );
  }
  return async () => {
    await Promise.all(ids.map((id) => boss.offWork({ id })));
  };
}

export const campaignSweepJob = {
  name: "campaigns.sweep",
  intervalMs: 2_000,
  run: async () => {
    const ids = await campaignsToRun();
    for (const id of ids) {
      await enqueueCampaignRun(id).catch((err: unknown) => logger.error({ campaignId: id, err: (err as Error).message }, "campaign enqueue failed"));
    }
    return 0;
  },
};
