import { foldMessageStatsJob } from "../analytics/rollup";

// Periodic sweeps the worker runs. Each service adds its own entry here.
export interface PeriodicJob {
  name: string;
  intervalMs: number;
  /** Does one sweep; returns how many items it handled. */
  run(): Promise<number>;
}

export const periodicJobs: PeriodicJob[] = [
  // Analytics rollup: folds the per-message delta rows into one row per org, day and channel.
  foldMessageStatsJob,
];
