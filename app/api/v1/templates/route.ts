import { requireOrgCaller } from "@/lib/auth/caller";
import { searchParamsToObject } from "@/lib/contacts/schema";
import { withCaller } from "@/lib/db/as-caller";
import { readJson } from "@/lib/http/errors";
import { handler } from "@/lib/http/route";
import { createTemplateSchema, listTemplatesQuerySchema } from "@/lib/templates/schema";
import { createTemplate, listTemplates } from "@/lib/templates/templates";

// Message templates of the caller's organization (all its WABAs, or one: waba_id / channel_id),
// paged by cursor like the other list routes. Members read; owners, admins and
// API keys create (at Meta first, then stored PENDING until Meta's verdict).

export const GET = handler(async (req) => {
  const caller = await requireOrgCaller(req);
  const q = listTemplatesQuerySchema.parse(searchParamsToObject(new URL(req.url).searchParams));
  return Response.json(await withCaller(caller, (db) => listTemplates(db, caller.orgId, q)));
});

export const POST = handler(async (req) => {
  const caller = await requireOrgCaller(req, { roles: ["owner", "admin"] });
  const input = createTemplateSchema.parse(await readJson(req));
  return Response.json({ data: await createTemplate(caller, input) }, { status: 201 });
});
