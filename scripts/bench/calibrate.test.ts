import { describe, expect, it } from "vitest";
import { calibrate, formatCalibration } from "./calibrate";

describe("CPU calibration", () => {
  it("times the same work on one thread and on every core at once, and says how many cores that was worth", async () => {
    const c = await calibrate(20_000, 2);
    expect(c.cores).toBe(2);
    expect(c.oneMs).toBeGreaterThan(0);
    expect(c.allMs).toBeGreaterThan(0);
    expect(c.effectiveCores).toBeCloseTo((2 * c.oneMs) / c.allMs);
    expect(formatCalibration(c)).toContain(`${c.oneMs.toFixed(0)} ms on one thread`);
  });

  it("takes longer for more work (the work is real, not optimized away)", async () => {
    const small = await calibrate(5_000, 1);
    const large = await calibrate(100_000, 1);
    expect(large.oneMs).toBeGreaterThan(small.oneMs * 5);
  });
});
