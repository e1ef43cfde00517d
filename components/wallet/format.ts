/**
 * Rupees typed by a person ("500", "1,000.50", "₹ 250") to integer paise, without floating point.
 * Returns null when it is not an amount with at most two decimals.
 */
export function rupeesToPaise(input: string): number | null {
  const s = input.replace(/[₹,\s]/g, "");
  const m = /^(\d{1,9})(?:\.(\d{0,2}))?$/.exec(s);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? "").padEnd(2, "0"));
}
