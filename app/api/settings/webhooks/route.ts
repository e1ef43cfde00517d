import { requireOrgUser } from "@/lib/auth/caller";
import { withTenant } from "@/lib/db/tx";
import { readJson } from "@/lib/http/errors";
import { handler } from "@/lib/http/route";
import { defaultUrlPolicy } from "@/lib/webhooks/delivery";
import { createEndpoint, listEndpoints } from "@/lib/webhooks/endpoints";
import { WEBHOOK_EVENT_TYPES } from "@/lib/webhooks/events";
import { createEndpointSchema } from "@/lib/webhooks/input";

// Webhook endpoints are managed by owners and admins only.
export const GET = handler(async (req) => {
  const caller = await requireOrgUser(req, { roles: ["owner", "admin"] });
  const data = await withTenant(caller.claims, (db) => listEndpoints(db, caller.orgId));
  return Response.json({ data, event_types: WEBHOOK_EVENT_TYPES });
});

export const POST = handler(async (req) => {
  const caller = await requireOrgUser(req, { roles: ["owner", "admin"] });
  const input = createEndpointSchema(defaultUrlPolicy()).parse(await readJson(req));
  const { endpoint, secret } = await createEndpoint({ ...input, orgId: caller.orgId, createdBy: caller.userId });
  // The secret is in this one response and nowhere else in clear.
  return Response.json({ ...endpoint, secret }, { status: 201, headers: { "cache-control": "no-store" } });
});
