import { describe, expect, it } from "vitest";
import { formatPaise } from "./format";

describe("formatPaise", () => {
  it("formats integer paise as Indian rupees", () => {
    expect(formatPaise(0)).toBe("₹0.00");
    expect(formatPaise(20)).toBe("₹0.20");
    expect(formatPaise(123450)).toBe("₹1,234.50");
    expect(formatPaise(1234567801)).toBe("₹1,23,45,678.01");
    expect(formatPaise(-505)).toBe("-₹5.05");
  });
  it("refuses fractional paise", () => {
    expect(() => formatPaise(1.5)).toThrow();
  });
});
