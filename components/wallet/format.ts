import { DISPLAY_TIME_ZONE } from "../time-zone";

// Dates on the wallet screens, in India time whatever the viewer's machine says.
const dateTime = new Intl.DateTimeFormat("en-IN", {
  timeZone: DISPLAY_TIME_ZONE,
  day: "numeric",
  month: "short",
  year: "numeric",
  hour: "numeric",
  minute: "2-digit",
});

export function formatDateTime(d: Date | string): string {
  return dateTime.format(typeof d === "string" ? new Date(d) : d);
}

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
