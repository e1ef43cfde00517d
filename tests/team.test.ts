import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signSession } from "../lib/auth/session";
import { closePools } from "../lib/db/pool";
import { withService } from "../lib/db/tx";
import { makeOrg, makeUser } from "./helpers/factories";
import { serveRoutes } from "./helpers/serve-routes";
import * as members from "../app/api/settings/members/route";
import * as member from "../app/api/settings/members/[userId]/route";
import * as keys from "../app/api/settings/api-keys/route";
import * as key from "../app/api/settings/api-keys/[id]/route";
import * as accept from "../app/api/invitations/accept/route";
import * as invitation from "../app/api/settings/invitations/[id]/route";

let server: Awaited<ReturnType<typeof serveRoutes>>;
beforeAll(async () => {
  server = await serveRoutes({
    "/api/settings/members": members,
    "/api/settings/members/[userId]": member,
    "/api/settings/api-keys": keys,
    "/api/settings/api-keys/[id]": key,
    "/api/settings/invitations/[id]": invitation,
    "/api/invitations/accept": accept,
  });
});
afterAll(async () => {
  await server.close();
  await closePools();
});

async function cookieFor(user: { id: string; email: string }) {
  return `wa_session=${await signSession(user)}`;
}

async function call(path: string, cookie: string, init: { method?: string; body?: unknown } = {}) {
  const res = await fetch(server.url + path, {
    method: init.method ?? "GET",
    headers: { cookie, "content-type": "application/json" },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function addAgent(orgId: string) {
  const agent = await makeUser();
  await withService((db) =>
    db.query("insert into public.memberships (org_id, user_id, role) values ($1, $2, 'agent')", [orgId, agent.id]),
  );
  return agent;
}

describe("team settings", () => {
  it("an owner invites a new person, who accepts the link once and joins with the invited role", async () => {
    const org = await makeOrg();
    const owner = await cookieFor(org.user);
    const email = `new-${Date.now()}@example.test`;
    const inv = await call("/api/settings/members", owner, { method: "POST", body: { email, role: "agent" } });
    expect(inv.status).toBe(201);
    expect(inv.body.status).toBe("invited");
    const token = inv.body.invite_link.split("/invite/")[1];
    const ok = await call("/api/invitations/accept", "", { method: "POST", body: { token, password: "a-good-password" } });
    expect(ok.status).toBe(201);
    expect(ok.body.org_id).toBe(org.orgId);
    const again = await call("/api/invitations/accept", "", { method: "POST", body: { token, password: "a-good-password" } });
    expect(again.status).toBe(404);
    const list = await call("/api/settings/members", owner);
    expect(list.body.members.map((m: { email: string; role: string }) => [m.email, m.role])).toContainEqual([email, "agent"]);
  });

  it("adds an existing account at once and refuses a duplicate", async () => {
    const org = await makeOrg();
    const other = await makeUser();
    const owner = await cookieFor(org.user);
    const first = await call("/api/settings/members", owner, { method: "POST", body: { email: other.email, role: "admin" } });
    expect(first).toMatchObject({ status: 201, body: { status: "added", user_id: other.id } });
    const dup = await call("/api/settings/members", owner, { method: "POST", body: { email: other.email, role: "admin" } });
    expect(dup.status).toBe(409);
  });

  it("rejects bad input with a field message and writes nothing", async () => {
    const org = await makeOrg();
    const owner = await cookieFor(org.user);
    const count = async () =>
      (await withService((db) => db.query("select count(*)::int n from public.invitations where org_id = $1", [org.orgId]))).rows[0].n;
    const before = await count();
    const bad = await call("/api/settings/members", owner, { method: "POST", body: { email: "not-an-email", role: "boss" } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/email/i);
    expect(bad.body.error.fields.map((f: { path: string }) => f.path).sort()).toEqual(["email", "role"]);
    expect(await count()).toBe(before);
  });

  it("keeps at least one owner, and only owners make owners", async () => {
    const org = await makeOrg();
    const owner = await cookieFor(org.user);
    const demote = await call(`/api/settings/members/${org.user.id}`, owner, { method: "PATCH", body: { role: "admin" } });
    expect(demote.status).toBe(409);
    const admin = await makeUser();
    await withService((db) =>
      db.query("insert into public.memberships (org_id, user_id, role) values ($1, $2, 'admin')", [org.orgId, admin.id]),
    );
    const promote = await call(`/api/settings/members/${admin.id}`, await cookieFor(admin), {
      method: "PATCH",
      body: { role: "owner" },
    });
    expect(promote.status).toBe(403);
  });

  it("agents cannot see or manage API keys or invite people", async () => {
    const org = await makeOrg();
    const agent = await cookieFor(await addAgent(org.orgId));
    expect((await call("/api/settings/api-keys", agent)).status).toBe(403);
    expect((await call("/api/settings/api-keys", agent, { method: "POST", body: { name: "x" } })).status).toBe(403);
    expect((await call("/api/settings/members", agent, { method: "POST", body: { email: "a@b.test", role: "agent" } })).status).toBe(403);
  });

  it("creates an API key shown once, lists it by prefix, and revokes it; another org cannot revoke it", async () => {
    const org = await makeOrg();
    const other = await makeOrg();
    const owner = await cookieFor(org.user);
    const created = await call("/api/settings/api-keys", owner, { method: "POST", body: { name: "CRM" } });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^wak_/);
    const list = await call("/api/settings/api-keys", owner);
    expect(list.body.data).toHaveLength(1);
    expect(JSON.stringify(list.body)).not.toContain(created.body.key);
    expect(list.body.data[0].prefix).toBe(created.body.prefix);
    const foreign = await call(`/api/settings/api-keys/${created.body.id}`, await cookieFor(other.user), { method: "DELETE" });
    expect(foreign.status).toBe(404);
    expect((await call(`/api/settings/api-keys/${created.body.id}`, owner, { method: "DELETE" })).status).toBe(204);
    const after = await call("/api/settings/api-keys", owner);
    expect(after.body.data[0].revoked_at).not.toBeNull();
  });

  it("an unauthenticated caller gets 401", async () => {
    expect((await call("/api/settings/members", "")).status).toBe(401);
  });
});
