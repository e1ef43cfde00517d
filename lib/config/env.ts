import { z } from "zod";

// Every setting the server reads, parsed once with zod so a bad value fails loudly at start-up
// instead of deep inside a request. Secrets are only ever read here, on the server.
const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DATABASE_URL: z.string().min(1, "DATABASE_URL is required (npm run dev sets it for the embedded database)"),
  APP_URL: z.string().url().default("http://localhost:3000"),
  AUTH_SECRET: z.string().min(32, "AUTH_SECRET must be at least 32 characters"),
  APP_ENCRYPTION_KEY: z.string().min(1, "APP_ENCRYPTION_KEY is required (32 bytes, base64)"),
  NEXT_PUBLIC_SUPABASE_URL: z.string().url().optional(),
  NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY: z.string().min(1).optional(),
  WHATSAPP_MODE: z.enum(["sandbox", "live"]).default("sandbox"),
  GRAPH_API_URL: z.string().url().default("https://graph.facebook.com"),
  GRAPH_API_VERSION: z.string().regex(/^v\d+\.\d+$/).default("v23.0"),
  GRAPH_API_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(15_000),
  /** Previous encryption key, kept during a key rotation so older secrets still decrypt. */
  APP_ENCRYPTION_KEY_PREVIOUS: z.string().optional(),
  /** Send retries (throttling, Meta 5xx, refused connections): attempts in all, and the first backoff. */
  SEND_RETRY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(4),
  SEND_RETRY_BASE_MS: z.coerce.number().int().min(0).default(5_000),
  /** A call that may have reached Meta is left this long for a status webhook before it is refunded. */
  SEND_UNKNOWN_OUTCOME_GRACE_SECONDS: z.coerce.number().int().min(1).default(60),
  /** Comma-separated job names this worker runs (periodic jobs and "campaigns.run"); unset = all. */
  WORKER_JOBS: z.string().optional(),
  /** Campaigns (lib/campaigns/runner.ts): a worker's hold on a running campaign, and how long one run slice lasts. */
  CAMPAIGN_LEASE_SECONDS: z.coerce.number().int().min(1).max(600).default(15),
  CAMPAIGN_SLICE_SECONDS: z.coerce.number().int().min(1).max(3600).default(600),
  /** Campaigns running at once in one worker process. */
  CAMPAIGN_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(4),
  /** Backoff of a channel after Meta's 130429 (throughput exceeded): first step and ceiling. */
  CAMPAIGN_BACKOFF_BASE_MS: z.coerce.number().int().min(1).default(1_000),
  CAMPAIGN_BACKOFF_MAX_MS: z.coerce.number().int().min(1).default(60_000),
  /** A recipient refused with 131056 (pair rate limit) is tried again after this (doubling), this many times in all. */
  CAMPAIGN_PAIR_RETRY_MS: z.coerce.number().int().min(0).default(60_000),
  CAMPAIGN_PAIR_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
  /** How long a verified API key is trusted without asking the database (revocation delay). */
  API_KEY_CACHE_TTL_MS: z.coerce.number().int().min(0).max(60_000).default(5_000),
  /** Public API rate limit per API key (lib/apikeys/rate-limit.ts): sustained requests a second (0 = off) and burst. */
  API_RATE_LIMIT_PER_SECOND: z.coerce.number().min(0).max(100_000).default(100),
  API_RATE_LIMIT_BURST: z.coerce.number().int().min(1).max(1_000_000).optional(),
  /** How many server processes share the limit (set by scripts/launch.ts from WEB_CONCURRENCY). */
  RATE_LIMIT_PROCESSES: z.coerce.number().int().min(1).max(256).default(1),
  SANDBOX_GRAPH_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  SANDBOX_STATUS_WEBHOOKS: z.enum(["true", "false"]).default("true"),
  META_APP_ID: z.string().optional(),
  META_APP_SECRET: z.string().min(1).default("sandbox-app-secret"),
  META_VERIFY_TOKEN: z.string().min(1).default("sandbox-verify-token"),
  META_CONFIG_ID: z.string().optional(),
  RAZORPAY_KEY_ID: z.string().optional(),
  RAZORPAY_KEY_SECRET: z.string().optional(),
  RAZORPAY_WEBHOOK_SECRET: z.string().optional(),
  // Sandbox Razorpay (lib/sandbox/razorpay-server.ts): its base URL, set by the launcher, and the
  // secrets it signs with (generated into .data/secrets.json for the embedded default).
  RAZORPAY_SANDBOX_URL: z.string().url().optional(),
  SANDBOX_RAZORPAY_KEY_SECRET: z.string().min(1).optional(),
  SANDBOX_RAZORPAY_WEBHOOK_SECRET: z.string().min(1).optional(),
  RECHARGE_MAX_PAISE: z.coerce.number().int().positive().default(10_000_000),
  SANDBOX_ENABLED: z.enum(["true", "false"]).optional(),
  SMTP_URL: z.string().optional(),
  EMAIL_FROM: z.string().default("WA Platform <no-reply@localhost>"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export type Env = z.infer<typeof schema>;

let cached: Env | undefined;

export function env(): Env {
  if (!cached) {
    const parsed = schema.safeParse(process.env);
    if (!parsed.success) {
      const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
      throw new Error(`Invalid server configuration:\n${lines}`);
    }
    cached = parsed.data;
  }
  return cached;
}

/** Tests change the environment between cases; this forgets the parsed copy. */
export function resetEnvCache(): void {
  cached = undefined;
}

/** Sandbox integrations are on outside production, and in production only when explicitly enabled. */
export function sandboxEnabled(e: Env = env()): boolean {
  if (e.SANDBOX_ENABLED) return e.SANDBOX_ENABLED === "true";
  return e.NODE_ENV !== "production";
}

export function supabaseAuthEnabled(e: Env = env()): boolean {
  return Boolean(e.NEXT_PUBLIC_SUPABASE_URL && e.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY);
}

export function razorpayLive(e: Env = env()): boolean {
  return Boolean(e.RAZORPAY_KEY_ID && e.RAZORPAY_KEY_SECRET && e.RAZORPAY_WEBHOOK_SECRET);
}
