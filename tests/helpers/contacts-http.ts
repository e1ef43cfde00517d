import { randomUUID } from "node:crypto";
import { createApiKey } from "../../lib/apikeys/api-keys";
import { signSession } from "../../lib/auth/session";
import { withService } from "../../lib/db/tx";
import { makeOrg, makeUser } from "./factories";
import { serveRoutes } from "./serve-routes";
import * as list from "../../app/api/contacts/route";
import * as one from "../../app/api/contacts/[id]/route";
import * as tags from "../../app/api/contacts/tags/route";
import * as importRoute from "../../app/api/contacts/import/route";
import * as exportRoute from "../../app/api/contacts/export/route";
import * as v1List from "../../app/api/v1/contacts/route";
import * as v1One from "../../app/api/v1/contacts/[id]/route";

/** Every contacts route, served over real HTTP. */
export function serveContactRoutes() {
  return serveRoutes({
    "/api/contacts": list,
    "/api/contacts/tags": tags,
    "/api/contacts/import": importRoute,
    "/api/contacts/export": exportRoute,
    "/api/contacts/[id]": one,
    "/api/v1/contacts": v1List,
    "/api/v1/contacts/[id]": v1One,
  });
}

export type Auth = { cookie: string } | { key: string };

export function authHeaders(auth: Auth | undefined): Record<string, string> {
  if (!auth) return {};
  return "cookie" in auth ? { cookie: auth.cookie } : { authorization: `Bearer ${auth.key}` };
}

export async function call(
  base: string,
  method: string,
  path: string,
  auth?: Auth,
  body?: unknown,
  init: { contentType?: string; raw?: BodyInit } = {},
) {
  const headers: Record<string, string> = authHeaders(auth);
  let payload: BodyInit | undefined;
  if (init.raw !== undefined) {
    payload = init.raw;
    if (init.contentType) headers["content-type"] = init.contentType;
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers["content-type"] = "application/json";
  }
  const res = await fetch(base + path, { method, headers, body: payload });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, headers: res.headers, text, body: json as any };
}

/** An organization with an owner session, an agent session and an API key. */
export async function orgWithAccess() {
  const org = await makeOrg();
  const agent = await makeUser();
  const key = await withService(async (db) => {
    await db.query("insert into public.memberships (org_id, user_id, role) values ($1, $2, 'agent')", [org.orgId, agent.id]);
    return createApiKey(db, { orgId: org.orgId, name: `test ${randomUUID().slice(0, 6)}` });
  });
  return {
    ...org,
    owner: { cookie: `wa_session=${await signSession(org.user)}` } as Auth,
    agent: { cookie: `wa_session=${await signSession(agent)}` } as Auth,
    agentUser: agent,
    apiKey: { key: key.key } as Auth,
  };
}

/** A random valid Indian mobile number as E.164 digits (the wa_id). */
export function randomWaId(): string {
  return `91${9}${String(Math.floor(Math.random() * 1e9)).padStart(9, "0")}`;
}
