// Dates and times show in India time (IST), server- and browser-rendered alike, whatever the
// viewer's machine says: the platform bills Indian businesses and its days (analytics, ledger
// filters, "today" on the dashboard) are India days, so every screen must agree with them and
// with each other, and a server-rendered page must read the same once the browser takes over.
export const DISPLAY_TIME_ZONE = "Asia/Kolkata";

const dayKey = new Intl.DateTimeFormat("en-CA", { timeZone: DISPLAY_TIME_ZONE, year: "numeric", month: "2-digit", day: "2-digit" });
const medium = new Intl.DateTimeFormat("en-IN", { timeZone: DISPLAY_TIME_ZONE, dateStyle: "medium", timeStyle: "short" });

/** The India calendar day of an instant, as YYYY-MM-DD. */
export function indiaDay(d: Date): string {
  return dayKey.format(d);
}

/** True when both instants fall on the same India calendar day. */
export function sameIndiaDay(a: Date, b: Date): boolean {
  return indiaDay(a) === indiaDay(b);
}

/** "1 Dec 2026, 11:22 am" in India time. */
export function formatMediumDateTime(iso: string | Date): string {
  return medium.format(new Date(iso));
}

/**
 * A `datetime-local` input's value ("2026-12-01T10:30"), read as India time, to an ISO instant;
 * null when it is not such a value.
 */
export function indiaLocalToIso(value: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return null;
  const d = new Date(`${value.length === 16 ? `${value}:00` : value}+05:30`);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}
