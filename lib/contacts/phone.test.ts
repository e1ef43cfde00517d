import { describe, expect, it } from "vitest";
import { isWaId, normalizePhone } from "./phone";

describe("normalizePhone", () => {
  const valid: Array<[string, string]> = [
    // Indian mobiles in every form people type them.
    ["9876543210", "+919876543210"],
    ["+919876543210", "+919876543210"],
    ["+91 98765 43210", "+919876543210"],
    ["+91-98765-43210", "+919876543210"],
    ["919876543210", "+919876543210"],
    ["09876543210", "+919876543210"],
    ["0091 98765 43210", "+919876543210"],
    ["98765-43210", "+919876543210"],
    ["(98765) 43210", "+919876543210"],
    ["  98765 43210  ", "+919876543210"],
    ["98765\u00a043210", "+919876543210"],
    ["6123456789", "+916123456789"],
    // An Indian landline with its STD code.
    ["022 2345 6789", "+912223456789"],
    // Foreign numbers need their country code, with or without '+'.
    ["+14155552671", "+14155552671"],
    ["14155552671", "+14155552671"],
    ["+44 7911 123456", "+447911123456"],
    ["+971 50 123 4567", "+971501234567"],
    ["+65 8123 4567", "+6581234567"],
  ];
  it.each(valid)("%s → %s", (input, e164) => {
    const r = normalizePhone(input);
    expect(r).toMatchObject({ ok: true, e164, waId: e164.slice(1) });
  });

  it("reads numbers without a country code in the default region given", () => {
    expect(normalizePhone("07911 123456", "GB")).toMatchObject({ ok: true, e164: "+447911123456" });
    expect(normalizePhone("(415) 555-2671", "US")).toMatchObject({ ok: true, e164: "+14155552671" });
  });

  it("accepts a number given as a number (spreadsheet cells)", () => {
    expect(normalizePhone(9876543210)).toMatchObject({ ok: true, waId: "919876543210" });
  });

  const invalid: Array<[unknown, string, RegExp]> = [
    ["", "empty", /empty/],
    ["   ", "empty", /empty/],
    [null, "empty", /empty/],
    ["98765", "too_short", /'98765' is not a valid phone number/],
    ["12", "too_short", /not a valid phone number/],
    ["abc", "invalid_characters", /characters that are not part of a phone number/],
    ["98765abc43", "invalid_characters", /characters/],
    ["=HYPERLINK(\"x\")", "invalid_characters", /characters/],
    ["9.19877E+11", "scientific_notation", /scientific notation/],
    ["9876543210 ext 5", "extension", /extension/],
    ["+91 98765 432100", "invalid", /not a valid phone number/],
    ["5555555555", "invalid", /'5555555555' is not a valid phone number/],
    ["+0 1234 5678", "invalid", /not a valid phone number/],
    ["1".repeat(60), "too_long", /too long/],
  ];
  it.each(invalid)("rejects %j (%s)", (input, code, reason) => {
    const r = normalizePhone(input);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.code).toBe(code);
      expect(r.reason).toMatch(reason);
    }
  });

  it("returns the same wa_id for every spelling of one number", () => {
    const ids = ["9876543210", "+91 98765 43210", "919876543210", "098765-43210"].map((s) => {
      const r = normalizePhone(s);
      return r.ok ? r.waId : null;
    });
    expect(new Set(ids)).toEqual(new Set(["919876543210"]));
  });

  it("isWaId accepts digits only", () => {
    expect(isWaId("919876543210")).toBe(true);
    expect(isWaId("+919876543210")).toBe(false);
    expect(isWaId("0919876543")).toBe(false);
  });
});
