import { webhookDeliveryJob, webhookPruneJob } from "../webhooks/delivery";

// Periodic sweeps the worker runs. Each service adds its own entry here.
export interface PeriodicJob {
  name: string;
  intervalMs: number;
  /** Does one sweep; returns how many items it handled. */
  run(): Promise<number>;
}

export const periodicJobs: PeriodicJob[] = [
  // Outbound webhooks to tenants' endpoints: due deliveries and retries (lib/webhooks/delivery.ts).
  webhookDeliveryJob,
  // Finished deliveries older than 30 days leave the log.
  webhookPruneJob,
];
