import { sweepLoginThrottle } from "../auth/rate-limit";
import { withService } from "../db/tx";

// Periodic sweeps the worker runs. Each service adds its own entry here.
export interface PeriodicJob {
  name: string;
  intervalMs: number;
  /** Does one sweep; returns how many items it handled. */
  run(): Promise<number>;
}

export const periodicJobs: PeriodicJob[] = [
  // Expired login-throttle windows (one row per email/IP that tried to sign in).
  { name: "auth.sweep-login-throttle", intervalMs: 10 * 60_000, run: () => withService((db) => sweepLoginThrottle(db)) },
];
