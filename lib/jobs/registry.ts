import { reconcileSendsJob } from "../messaging/reconcile";

// Periodic sweeps the worker runs. Each service adds its own entry here.
export interface PeriodicJob {
  name: string;
  intervalMs: number;
  /** Does one sweep; returns how many items it handled. */
  run(): Promise<number>;
}

export const periodicJobs: PeriodicJob[] = [
  // Pending sends: retries after throttling/5xx, refunds after crashes (lib/messaging/reconcile.ts).
  reconcileSendsJob,
];
