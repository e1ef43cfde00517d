import { requireOrgCaller } from "@/lib/auth/caller";
import { CONTACT_ADMIN_ROLES, assertMayWrite } from "@/lib/contacts/permissions";
import { createContact, deleteContact, getContact, listContacts, updateContact } from "@/lib/contacts/contacts";
import { createContactSchema, listContactsQuerySchema, searchParamsToObject, updateContactSchema } from "@/lib/contacts/schema";
import { withCaller } from "@/lib/db/as-caller";
import { readJson } from "@/lib/http/errors";
import { handler } from "@/lib/http/route";

// The contact handlers, served both to the dashboard (/api/contacts) and to the public API
// (/api/v1/contacts): one service, one behaviour. The organization always comes from the caller.

type IdCtx = { params: Promise<{ id: string }> };

export const listHandler = handler(async (req) => {
  const caller = await requireOrgCaller(req);
  const q = listContactsQuerySchema.parse(searchParamsToObject(new URL(req.url).searchParams));
  return Response.json(await withCaller(caller, (db) => listContacts(db, caller.orgId, q)));
});

export const createHandler = handler(async (req) => {
  const caller = await requireOrgCaller(req);
  const input = createContactSchema.parse(await readJson(req));
  assertMayWrite(caller, input);
  const contact = await withCaller(caller, (db) => createContact(db, caller.orgId, input));
  return Response.json({ data: contact }, { status: 201 });
});

export const getHandler = handler<{ id: string }>(async (req, ctx: IdCtx) => {
  const caller = await requireOrgCaller(req);
  const { id } = await ctx.params;
  return Response.json({ data: await withCaller(caller, (db) => getContact(db, caller.orgId, id)) });
});

export const updateHandler = handler<{ id: string }>(async (req, ctx: IdCtx) => {
  const caller = await requireOrgCaller(req);
  const { id } = await ctx.params;
  const patch = updateContactSchema.parse(await readJson(req));
  assertMayWrite(caller, patch);
  return Response.json({ data: await withCaller(caller, (db) => updateContact(db, caller.orgId, id, patch)) });
});

export const deleteHandler = handler<{ id: string }>(async (req, ctx: IdCtx) => {
  const caller = await requireOrgCaller(req, { roles: [...CONTACT_ADMIN_ROLES] });
  const { id } = await ctx.params;
  await withCaller(caller, (db) => deleteContact(db, caller.orgId, id));
  return new Response(null, { status: 204 });
});
