import { webhookSweepJob } from "../whatsapp/webhook-process";

// Periodic sweeps the worker runs. Each service adds its own entry here.
export interface PeriodicJob {
  name: string;
  intervalMs: number;
  /** Does one sweep; returns how many items it handled. */
  run(): Promise<number>;
}

export const periodicJobs: PeriodicJob[] = [
  // Meta webhook events the route could not finish in-process (statuses, refunds, auto-replies).
  webhookSweepJob,
];
