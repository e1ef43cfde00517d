import { requireOrgCaller } from "@/lib/auth/caller";
import { commitImport, decodeCsv, parseContactsCsv, planImport, summarize } from "@/lib/contacts/csv-import";
import { readCsvUpload } from "@/lib/contacts/csv-upload";
import { CONTACT_ADMIN_ROLES } from "@/lib/contacts/permissions";
import { withCaller } from "@/lib/db/as-caller";
import { handler } from "@/lib/http/route";

/** Rows shown in a preview; every rejected row is listed regardless. */
const PREVIEW_ROWS = 500;

// POST a CSV (multipart field 'file', or a text/csv body). ?dry_run=1 previews what would
// happen to each row; without it the import is applied in one transaction.
export const POST = handler(async (req) => {
  const caller = await requireOrgCaller(req, { roles: [...CONTACT_ADMIN_ROLES] });
  const dryRun = ["1", "true"].includes(new URL(req.url).searchParams.get("dry_run") ?? "");
  const { text, encoding } = decodeCsv(await readCsvUpload(req));
  const parsed = parseContactsCsv(text, encoding);
  if (dryRun) {
    const rows = await withCaller(caller, (db) => planImport(db, caller.orgId, parsed, { lock: false }));
    return Response.json({
      dry_run: true,
      encoding,
      columns: parsed.columns,
      summary: summarize(rows),
      rows: rows.slice(0, PREVIEW_ROWS),
      rejected_rows: rows.filter((r) => r.status === "rejected").map((r) => ({ row: r.row, phone: r.phone, reason: r.reason })),
    });
  }
  const result = await withCaller(caller, (db) => commitImport(db, caller.orgId, parsed));
  return Response.json({ dry_run: false, ...result });
});
