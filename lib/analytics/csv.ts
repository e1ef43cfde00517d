import { paiseToDecimal } from "../money/format";
import Papa from "papaparse";
import type { OrgAnalytics } from "./org";

export const CSV_COLUMNS = [
  "date",
  "outbound",
  "sent",
  "delivered",
  "read",
  "failed",
  "pending",
  "delivery_rate",
  "read_rate",
  "inbound",
  "fees_inr",
  "recharges_inr",
] as const;

/** One row per day of the range (days without messages included), in the page's definitions. */
export function analyticsCsv(a: OrgAnalytics): string {
  const rows = a.days.map((d) => [
    d.day,
    d.outbound,
    d.sent,
    d.delivered,
    d.read,
    d.failed,
    d.pending,
    d.delivery_rate ?? "",
    d.read_rate ?? "",
    d.inbound,
    paiseToDecimal(d.fees_paise),
    paiseToDecimal(d.recharges_paise),
  ]);
  // escapeFormulae: a cell that starts with = + - @ is not run as a formula by spreadsheets.
  return Papa.unparse({ fields: [...CSV_COLUMNS], data: rows }, { escapeFormulae: true });
}

export function csvFileName(a: OrgAnalytics): string {
  return `analytics_${a.range.from}_to_${a.range.to}${a.range.channel_id ? `_channel-${a.range.channel_id.slice(0, 8)}` : ""}.csv`;
}
