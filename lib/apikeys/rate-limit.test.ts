import { describe, expect, it } from "vitest";
import type { Env } from "../config/env";
import { rateLimitFor, TokenBuckets } from "./rate-limit";

const cfgEnv = (over: Partial<Env>) => ({ API_RATE_LIMIT_PER_SECOND: 100, RATE_LIMIT_PROCESSES: 1, ...over }) as Env;

describe("TokenBuckets", () => {
  it("lets a burst through, refuses the next with the seconds until a token is back, and refills over time", () => {
    const b = new TokenBuckets();
    const cfg = { perSecond: 2, burst: 4 };
    const t0 = 1_000_000;
    const first = b.take("k", cfg, t0);
    expect(first).toMatchObject({ allowed: true, limit: 4, remaining: 3, resetSeconds: 1 });
    for (let i = 0; i < 3; i++) expect(b.take("k", cfg, t0).allowed).toBe(true);
    const refused = b.take("k", cfg, t0);
    expect(refused).toMatchObject({ allowed: false, remaining: 0, retryAfterSeconds: 1, resetSeconds: 2 });
    // Another key has its own bucket.
    expect(b.take("other", cfg, t0).allowed).toBe(true);
    // Half a second later one token (2/s) is back; a second later two; never more than the burst.
    expect(b.take("k", cfg, t0 + 500).allowed).toBe(true);
    expect(b.take("k", cfg, t0 + 500).allowed).toBe(false);
    expect(b.take("k", cfg, t0 + 60_000)).toMatchObject({ allowed: true, remaining: 3 });
  });

  it("a slow rate gives a Retry-After of several seconds", () => {
    const b = new TokenBuckets();
    const cfg = { perSecond: 0.25, burst: 1 };
    expect(b.take("k", cfg, 0).allowed).toBe(true);
    expect(b.take("k", cfg, 0)).toMatchObject({ allowed: false, retryAfterSeconds: 4 });
  });
});

describe("rateLimitFor", () => {
  it("uses the default, the key's override, a configured burst, and divides by the server processes", () => {
    expect(rateLimitFor(null, cfgEnv({}))).toEqual({ perSecond: 100, burst: 200 });
    expect(rateLimitFor(7, cfgEnv({}))).toEqual({ perSecond: 7, burst: 14 });
    expect(rateLimitFor(null, cfgEnv({ API_RATE_LIMIT_BURST: 500 }))).toEqual({ perSecond: 100, burst: 500 });
    expect(rateLimitFor(10, cfgEnv({ API_RATE_LIMIT_BURST: 500 }))).toEqual({ perSecond: 10, burst: 50 });
    expect(rateLimitFor(null, cfgEnv({ RATE_LIMIT_PROCESSES: 4 }))).toEqual({ perSecond: 25, burst: 50 });
    // 0 turns the default off; an override still applies.
    expect(rateLimitFor(null, cfgEnv({ API_RATE_LIMIT_PER_SECOND: 0 }))).toBeNull();
    expect(rateLimitFor(3, cfgEnv({ API_RATE_LIMIT_PER_SECOND: 0 }))).toEqual({ perSecond: 3, burst: 6 });
  });
});
