import { env } from "../config/env";
import { ApiError } from "../http/errors";

/**
 * Per-API-key rate limit of the public API: an in-process token bucket per key, so a request
 * costs a Map lookup and no database round trip. A bucket holds `burst` tokens and refills at
 * `perSecond` tokens a second; each API-key request takes one, and a request finding less than
 * one token is refused with 429 + Retry-After. Sessions (the dashboard) are not limited here.
 *
 * Several server processes (WEB_CONCURRENCY in scripts/launch.ts) each hold their own buckets and
 * each enforces limit/N (RATE_LIMIT_PROCESSES = N, set by the launcher): connections are spread
 * across processes, so a client using several connections gets about the whole limit, and no
 * client can get more than it. A single keep-alive connection is served by one process and
 * therefore sees limit/N. Exactness across processes would cost a shared store on the hot path.
 */
export interface RateLimitConfig {
  /** Sustained requests a second per key (0 = no limit). */
  perSecond: number;
  /** Bucket capacity: how many requests may arrive at once. */
  burst: number;
}

export interface RateDecision {
  allowed: boolean;
  /** Bucket capacity (X-RateLimit-Limit). */
  limit: number;
  /** Whole tokens left after this request (X-RateLimit-Remaining). */
  remaining: number;
  /** Seconds until the bucket is full again (X-RateLimit-Reset). */
  resetSeconds: number;
  /** When refused: whole seconds until one token is back (Retry-After), at least 1. */
  retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  last: number;
}

const MAX_BUCKETS = 100_000;

/** Token buckets keyed by API key id. `now` is in milliseconds (injected by tests). */
export class TokenBuckets {
  private buckets = new Map<string, Bucket>();

  take(key: string, cfg: RateLimitConfig, now = Date.now()): RateDecision {
    const { perSecond, burst } = cfg;
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= MAX_BUCKETS) this.buckets.clear();
      b = { tokens: burst, last: now };
      this.buckets.set(key, b);
    } else {
      b.tokens = Math.min(burst, b.tokens + ((now - b.last) / 1000) * perSecond);
      b.last = now;
    }
    const allowed = b.tokens >= 1;
    if (allowed) b.tokens -= 1;
    return {
      allowed,
      limit: burst,
      remaining: Math.floor(b.tokens),
      resetSeconds: Math.ceil((burst - b.tokens) / perSecond),
      retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((1 - b.tokens) / perSecond)),
    };
  }

  forget(key?: string): void {
    if (key === undefined) this.buckets.clear();
    else this.buckets.delete(key);
  }
}

/**
 * The limit for one key: its own rate_limit_per_second if the operator set one, otherwise
 * API_RATE_LIMIT_PER_SECOND; the burst is API_RATE_LIMIT_BURST (default twice the rate) and
 * scales with an override. Divided by the number of server processes. null = not limited.
 */
export function rateLimitFor(override: number | null, e = env()): RateLimitConfig | null {
  const base = e.API_RATE_LIMIT_PER_SECOND;
  const perSecond = override ?? base;
  if (!perSecond) return null;
  const ratio = base > 0 && e.API_RATE_LIMIT_BURST !== undefined ? e.API_RATE_LIMIT_BURST / base : 2;
  const n = e.RATE_LIMIT_PROCESSES;
  return { perSecond: perSecond / n, burst: Math.max(1, Math.floor((perSecond * ratio) / n)) };
}

// One set of buckets per process, even were this module loaded twice in it (Next.js's bundle and
// tsx). In production the fronts (scripts/web-server.ts) serve every API-key request to /api/v1
// and Next.js none of them, so a key's buckets are the fronts'.
const shared = globalThis as unknown as { __apiKeyBuckets?: TokenBuckets };
const buckets = (shared.__apiKeyBuckets ??= new TokenBuckets());
const decisions = new WeakMap<Request, RateDecision>();

/**
 * Counts one API-key request against its key's bucket, or throws 429 rate_limited. Idempotent per
 * Request object, so a handler resolving its caller twice is counted once.
 */
export function consumeApiKeyRate(req: Request, keyId: string, override: number | null): void {
  let d = decisions.get(req);
  if (!d) {
    const cfg = rateLimitFor(override);
    if (!cfg) return;
    d = buckets.take(keyId, cfg);
    decisions.set(req, d);
  }
  if (!d.allowed) {
    throw new ApiError(
      429,
      "rate_limited",
      `Too many requests for this API key (limit ${d.limit} at once, refilled at ${formatRate(override)} a second). Retry after ${d.retryAfterSeconds} s.`,
      { retry_after_seconds: d.retryAfterSeconds },
    );
  }
}

function formatRate(override: number | null): string {
  return String(override ?? env().API_RATE_LIMIT_PER_SECOND);
}

/** Adds X-RateLimit-Limit/Remaining/Reset to a response of a rate-limited request (no-op otherwise). */
export function withRateLimitHeaders(req: Request, res: Response): Response {
  const d = decisions.get(req);
  if (!d) return res;
  try {
    res.headers.set("X-RateLimit-Limit", String(d.limit));
    res.headers.set("X-RateLimit-Remaining", String(d.remaining));
    res.headers.set("X-RateLimit-Reset", String(d.resetSeconds));
  } catch {
    // An immutable response (e.g. a proxied fetch Response): leave it as it is.
  }
  return res;
}

/** Drops buckets (all, or one key's): after an operator changes a key's limit. */
export function forgetRateBuckets(keyId?: string): void {
  buckets.forget(keyId);
}
