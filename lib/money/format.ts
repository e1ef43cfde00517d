// Money is integer paise everywhere; this is the only place it becomes rupees, for display.
const inr = new Intl.NumberFormat("en-IN", { style: "currency", currency: "INR", minimumFractionDigits: 2 });

/** Paise as an exact plain rupee amount ("1234.50", "-0.20") for CSV files, without floating point. */
export function paiseToDecimal(paise: number): string {
  if (!Number.isSafeInteger(paise)) throw new Error("paise must be an integer");
  const sign = paise < 0 ? "-" : "";
  const abs = Math.abs(paise);
  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

export function formatPaise(paise: number): string {
  if (!Number.isSafeInteger(paise)) throw new Error("paise must be an integer");
  const sign = paise < 0 ? "-" : "";
  const abs = Math.abs(paise);
  const rupees = Math.trunc(abs / 100);
  const rest = abs % 100;
  // Format the integer rupees with Indian grouping, then append the exact paise (no float division).
  const grouped = inr.format(rupees).replace(/\.00$/, "");
  return `${sign}${grouped}.${String(rest).padStart(2, "0")}`;
}
