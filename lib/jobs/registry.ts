import { foldMessageStatsJob } from "../analytics/rollup";
import { sweepLoginThrottle } from "../auth/rate-limit";
import { campaignSweepJob } from "../campaigns/worker";
import { withService } from "../db/tx";
import { reconcileSendsJob } from "../messaging/reconcile";
import { emailLowBalanceNotices } from "../notifications/low-balance-email";
import { reconcilePendingPayments } from "../payments/reconcile";
import { syncAllConnected } from "../templates/templates";
import { webhookSweepJob } from "../whatsapp/webhook-process";
import { webhookDeliveryJob, webhookPruneJob } from "../webhooks/delivery";

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
  // Orders still unpaid two minutes after creation: ask Razorpay, so a lost webhook loses no money.
  { name: "payments.reconcile", intervalMs: 60_000, run: async () => (await reconcilePendingPayments()).credited },
  { name: "notifications.low-balance-email", intervalMs: 15_000, run: () => emailLowBalanceNotices() },
  // Pending sends: retries after throttling/5xx, refunds after crashes (lib/messaging/reconcile.ts).
  reconcileSendsJob,
  // Meta webhook events the route could not finish in-process (failed statuses, auto-replies, early statuses).
  webhookSweepJob,
  // Outbound webhooks to tenants' endpoints: due deliveries and retries (lib/webhooks/delivery.ts).
  webhookDeliveryJob,
  // Finished deliveries older than 30 days leave the log.
  webhookPruneJob,
  // Analytics rollup: folds the per-message delta rows into one row per org, day and channel.
  foldMessageStatsJob,
  // Message templates of every connected channel's WABA, read in full from Meta (status webhooks
  // keep them current in between; this catches missed webhooks and templates made in Meta's tools).
  { name: "templates.sync", intervalMs: 30 * 60_000, run: () => syncAllConnected() },
  // Campaigns no live worker holds (crash, restart, a scheduled start): queue a run on pg-boss.
  campaignSweepJob,
];
