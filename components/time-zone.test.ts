import { describe, expect, it } from "vitest";
import { timeLabel } from "./inbox/format";
import { formatMediumDateTime, indiaDay, indiaLocalToIso, sameIndiaDay } from "./time-zone";

// India is UTC+05:30 all year. These hold whatever time zone the machine running them is in.
describe("India time on every screen", () => {
  it("days are India days", () => {
    expect(indiaDay(new Date("2026-12-01T18:29:00Z"))).toBe("2026-12-01"); // 23:59 IST
    expect(indiaDay(new Date("2026-12-01T18:30:00Z"))).toBe("2026-12-02"); // 00:00 IST
    expect(sameIndiaDay(new Date("2026-11-30T19:00:00Z"), new Date("2026-12-01T06:00:00Z"))).toBe(true);
    expect(sameIndiaDay(new Date("2026-12-01T18:00:00Z"), new Date("2026-12-01T19:00:00Z"))).toBe(false);
  });

  it("formats instants in India time", () => {
    expect(formatMediumDateTime("2026-12-01T05:52:00Z")).toMatch(/^1 Dec 2026, 11:22\s?am$/);
  });

  it("reads a datetime-local value as India time", () => {
    expect(indiaLocalToIso("2026-12-01T10:30")).toBe("2026-12-01T05:00:00.000Z");
    expect(indiaLocalToIso("2026-12-01T00:15:30")).toBe("2026-11-30T18:45:30.000Z");
    expect(indiaLocalToIso("")).toBeNull();
    expect(indiaLocalToIso("2026-13-45T10:30")).toBeNull();
    expect(indiaLocalToIso("tomorrow")).toBeNull();
  });

  it("the inbox labels today's messages by India clock time, this week's by weekday, older ones by date", () => {
    const now = new Date("2026-12-01T06:00:00Z"); // Tuesday 11:30 IST
    expect(timeLabel("2026-12-01T05:52:00Z", now)).toMatch(/^11:22\s?am$/);
    // 00:30 IST on the same India day (still 30 November in UTC).
    expect(timeLabel("2026-11-30T19:00:00Z", now)).toMatch(/^12:30\s?am$/);
    expect(timeLabel("2026-11-29T10:00:00Z", now)).toBe("Sun");
    expect(timeLabel("2026-11-01T10:00:00Z", now)).toBe("1 Nov");
  });
});
