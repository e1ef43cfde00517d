import { paiseToDecimal } from "../money/format";
import Papa from "papaparse";
import type { Db } from "../db/tx";
import { KIND_LABELS, ledgerBatches, type LedgerFilter, type LedgerRow } from "./overview";

// The ledger as CSV (papaparse does the quoting). Amounts in rupees for people and in paise for
// machines; times in India time. Cells that a spreadsheet would run as a formula (=, +, -, @ ...)
// get a leading quote — except plain negative amounts like -0.20, which are numbers.
const FORMULA = /^[=+\-@\t\r](?!\d+(\.\d+)?$)/;

const FIELDS = [
  "date_ist",
  "kind",
  "for",
  "amount_inr",
  "balance_after_inr",
  "amount_paise",
  "balance_after_paise",
  "reference",
  "message_id",
  "payment_id",
  "description",
];

const ist = new Intl.DateTimeFormat("sv-SE", { timeZone: "Asia/Kolkata", dateStyle: "short", timeStyle: "medium" });

function toRecord(r: LedgerRow): unknown[] {
  return [
    ist.format(r.created_at),
    r.kind,
    KIND_LABELS[r.kind] ?? r.kind,
    paiseToDecimal(r.amount_paise),
    paiseToDecimal(r.balance_after_paise),
    r.amount_paise,
    r.balance_after_paise,
    r.reference,
    r.message_id ?? "",
    r.payment_id ?? "",
    r.description ?? "",
  ];
}

export function ledgerCsv(rows: LedgerRow[], withHeader: boolean): string {
  return Papa.unparse({ fields: FIELDS, data: rows.map(toRecord) }, { header: withHeader, escapeFormulae: FORMULA });
}

/** Streams the filtered ledger as CSV, batch by batch, newest first. */
export function ledgerCsvStream(
  run: <T>(fn: (db: Db) => Promise<T>) => Promise<T>,
  orgId: string,
  filter: LedgerFilter,
): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  const batches = ledgerBatches(run, orgId, filter);
  let first = true;
  return new ReadableStream({
    async pull(controller) {
      try {
        const next = await batches.next();
        if (next.done) {
          if (first) controller.enqueue(enc.encode(Papa.unparse({ fields: FIELDS, data: [] }) + "\r\n"));
          controller.close();
          return;
        }
        controller.enqueue(enc.encode(ledgerCsv(next.value, first) + "\r\n"));
        first = false;
      } catch (err) {
        controller.error(err);
      }
    },
    async cancel() {
      await batches.return(undefined);
    },
  });
}
