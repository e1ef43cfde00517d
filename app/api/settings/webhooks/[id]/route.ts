import { z } from "zod";
import { requireOrgUser } from "@/lib/auth/caller";
import { ApiError, readJson } from "@/lib/http/errors";
import { handler } from "@/lib/http/route";
import { defaultUrlPolicy } from "@/lib/webhooks/delivery";
import { deleteEndpoint, updateEndpoint } from "@/lib/webhooks/endpoints";
import { updateEndpointSchema } from "@/lib/webhooks/input";

const notFound = () => new ApiError(404, "not_found", "No webhook endpoint with that id in this organization.");

export const PATCH = handler<{ id: string }>(async (req, ctx) => {
  const caller = await requireOrgUser(req, { roles: ["owner", "admin"] });
  const id = z.string().uuid().safeParse((await ctx.params).id);
  if (!id.success) throw notFound();
  const patch = updateEndpointSchema(defaultUrlPolicy()).parse(await readJson(req));
  const endpoint = await updateEndpoint({ ...patch, orgId: caller.orgId, id: id.data });
  if (!endpoint) throw notFound();
  return Response.json(endpoint);
});

export const DELETE = handler<{ id: string }>(async (req, ctx) => {
  const caller = await requireOrgUser(req, { roles: ["owner", "admin"] });
  const id = z.string().uuid().safeParse((await ctx.params).id);
  if (!id.success || !(await deleteEndpoint({ orgId: caller.orgId, id: id.data }))) throw notFound();
  return new Response(null, { status: 204 });
});
