import { requireOrgCaller } from "@/lib/auth/caller";
import { allContacts } from "@/lib/contacts/contacts";
import { contactsToCsv, exportFilename } from "@/lib/contacts/csv-export";
import { CONTACT_ADMIN_ROLES } from "@/lib/contacts/permissions";
import { contactFilterSchema, searchParamsToObject } from "@/lib/contacts/schema";
import { withCaller } from "@/lib/db/as-caller";
import { handler } from "@/lib/http/route";

// The whole list (or the current filter) as CSV. Bulk export is for owners and admins.
export const GET = handler(async (req) => {
  const caller = await requireOrgCaller(req, { roles: [...CONTACT_ADMIN_ROLES] });
  const filter = contactFilterSchema.parse(searchParamsToObject(new URL(req.url).searchParams));
  const contacts = await withCaller(caller, (db) => allContacts(db, caller.orgId, filter));
  return new Response("\uFEFF" + contactsToCsv(contacts), {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${exportFilename()}"`,
      "cache-control": "no-store",
    },
  });
});
