import { describe, expect, it } from "vitest";
import { CallPace } from "./pace";

/** Release times of calls arriving at `arrivals` (ms), as the pace schedules them. */
function releases(pace: CallPace, arrivals: number[]): number[] {
  return arrivals.map((t) => t + pace.delayFor(t));
}

/** The most calls released in any window of `ms` milliseconds. */
function maxInWindow(times: number[], ms: number): number {
  const s = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < s.length; i++) {
    while (s[i] - s[j] >= ms) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

describe("CallPace", () => {
  it("5,000 calls held up and released at once go out at the rate: never more than rate + burst in any second", () => {
    const pace = new CallPace(1000, 50);
    const out = releases(pace, Array.from({ length: 5000 }, () => 0));
    expect(maxInWindow(out, 1000)).toBeLessThanOrEqual(1050);
    // …and no slower than the rate: the last one leaves after (5000 − 50) / 1000 s.
    expect(Math.max(...out)).toBe(4950);
  });

  it("calls arriving on time are not delayed; an idle channel may send its burst at once", () => {
    const pace = new CallPace(100, 5);
    expect(releases(pace, [0, 10, 20, 30])).toEqual([0, 10, 20, 30]);
    const idle = new CallPace(100, 5);
    expect(releases(idle, [1000, 1000, 1000, 1000, 1000, 1000])).toEqual([1000, 1000, 1000, 1000, 1000, 1010]);
  });

  it("bursty arrivals (stalls then floods) stay within rate + burst per second", () => {
    const pace = new CallPace(1000, 50);
    const arrivals: number[] = [];
    for (let s = 0; s < 20; s++) {
      // A second with a 400 ms stall: 600 calls spread over the rest, then 400 at once.
      for (let i = 0; i < 600; i++) arrivals.push(s * 1000 + i);
      for (let i = 0; i < 400; i++) arrivals.push(s * 1000 + 999);
    }
    const out = releases(pace, arrivals);
    expect(maxInWindow(out, 1000)).toBeLessThanOrEqual(1050);
    expect(out.length).toBe(20_000);
  });
});
