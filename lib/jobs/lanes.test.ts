import { describe, expect, it } from "vitest";
import { inLanes } from "./lanes";

describe("inLanes", () => {
  it("runs every item once, never more than `lanes` at a time, and keeps every lane busy", async () => {
    let inFlight = 0;
    let most = 0;
    const seen: number[] = [];
    const items = Array.from({ length: 23 }, (_, i) => i);
    await inLanes(items, 4, async (i) => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, 1 + (i % 3)));
      seen.push(i);
      inFlight--;
    });
    expect(seen.sort((a, b) => a - b)).toEqual(items);
    expect(most).toBe(4);
  });

  it("uses one lane at least, and no more lanes than items", async () => {
    const order: number[] = [];
    let most = 0;
    let inFlight = 0;
    const track = async (i: number) => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, 1));
      order.push(i);
      inFlight--;
    };
    await inLanes([1, 2, 3], 0, track);
    expect(order).toEqual([1, 2, 3]);
    expect(most).toBe(1);
    most = 0;
    await inLanes([7, 8], 10, track);
    expect(most).toBe(2);
    await inLanes([], 3, track);
    expect(order).toHaveLength(5); // nothing ran for the empty list
  });
});
