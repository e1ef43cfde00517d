// Display helpers for the analytics views. Deterministic (no locale-dependent date output), so
// the server render and the browser agree.
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const count = new Intl.NumberFormat("en-IN");

/** "2024-03-10" -> "10 Mar". */
export function shortDay(day: string): string {
  const [, m, d] = day.split("-");
  return `${Number(d)} ${MONTHS[Number(m) - 1]}`;
}

/** "2024-03-10" -> "10 Mar 2024". */
export function longDay(day: string): string {
  return `${shortDay(day)} ${day.slice(0, 4)}`;
}

export function formatCount(n: number): string {
  return count.format(n);
}

/** 0.6667 -> "66.7%"; null (nothing to divide by) -> "–". */
export function formatRate(rate: number | null): string {
  return rate === null ? "–" : `${(rate * 100).toFixed(1)}%`;
}

/** Paise as a short rupee axis label: 12345 -> "₹123", 1234567 -> "₹12.3k". */
export function rupeeTick(paise: number): string {
  const r = paise / 100;
  if (Math.abs(r) >= 100_000) return `₹${(r / 100_000).toFixed(1)}L`;
  if (Math.abs(r) >= 1000) return `₹${(r / 1000).toFixed(1)}k`;
  return `₹${Number.isInteger(r) ? r : r.toFixed(2)}`;
}
