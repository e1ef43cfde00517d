import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as collection from "../../app/api/automations/route";
import * as item from "../../app/api/automations/[id]/route";
import * as tester from "../../app/api/automations/test/route";
import { closePools } from "../../lib/db/pool";
import { withTenant } from "../../lib/db/tx";
import { makeOrg } from "../helpers/factories";
import { serveRoutes } from "../helpers/serve-routes";
import { addMemberWithCookie, sessionCookie } from "../helpers/webhook";

let server: Awaited<ReturnType<typeof serveRoutes>>;
beforeAll(async () => {
  server = await serveRoutes({
    "/api/automations/test": tester,
    "/api/automations/[id]": item,
    "/api/automations": collection,
  });
});
afterAll(async () => {
  await server.close();
  await closePools();
});

function call(path: string, cookie: string | null, method = "GET", body?: unknown) {
  return fetch(`${server.url}${path}`, {
    method,
    headers: { ...(cookie ? { cookie } : {}), ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
}

async function ownerOf() {
  const org = await makeOrg();
  return { ...org, cookie: await sessionCookie(org.user, org.orgId) };
}

const greeting = { name: "Greeting", match_type: "exact", keyword: "hi", reply_text: "Hello! How can we help?", priority: 10 };

describe("automation rules CRUD", () => {
  it("an owner creates, lists, changes and deletes rules", async () => {
    const o = await ownerOf();
    const created = await call("/api/automations", o.cookie, "POST", greeting);
    expect(created.status).toBe(201);
    const { rule } = await created.json();
    expect(rule).toMatchObject({ ...greeting, enabled: true, org_id: o.orgId });
    const second = await (await call("/api/automations", o.cookie, "POST", { name: "Price", match_type: "contains", keyword: " price ", reply_text: "See list" })).json();
    expect(second.rule).toMatchObject({ keyword: "price", priority: 100 });

    const list = await (await call("/api/automations", o.cookie)).json();
    expect(list.rules.map((r: { name: string }) => r.name)).toEqual(["Greeting", "Price"]);

    const patched = await call(`/api/automations/${rule.id}`, o.cookie, "PATCH", { enabled: false, priority: 500 });
    expect(patched.status).toBe(200);
    expect((await patched.json()).rule).toMatchObject({ enabled: false, priority: 500, keyword: "hi" });

    expect((await call(`/api/automations/${rule.id}`, o.cookie, "DELETE")).status).toBe(204);
    expect((await call(`/api/automations/${rule.id}`, o.cookie, "DELETE")).status).toBe(404);
    expect((await (await call("/api/automations", o.cookie)).json()).rules).toHaveLength(1);
  });

  it("answers 400 with a message a person can act on", async () => {
    const o = await ownerOf();
    const cases: Array<[unknown, RegExp]> = [
      [{ ...greeting, match_type: "regex" }, /match_type must be one of: exact, contains, starts_with/],
      [{ ...greeting, keyword: "   " }, /keyword: Keyword is required/],
      [{ ...greeting, reply_text: "x".repeat(4097) }, /4,096/],
      [{ ...greeting, priority: 1.5 }, /whole number/],
      [{ ...greeting, extra: 1 }, /extra/],
      ["{oops", /not valid JSON/],
    ];
    for (const [body, message] of cases) {
      const res = await call("/api/automations", o.cookie, "POST", body);
      expect(res.status).toBe(400);
      expect((await res.json()).error.message).toMatch(message);
    }
    const { rule } = await (await call("/api/automations", o.cookie, "POST", greeting)).json();
    const empty = await call(`/api/automations/${rule.id}`, o.cookie, "PATCH", {});
    expect(empty.status).toBe(400);
    expect((await empty.json()).error.message).toMatch(/at least one field/);
  });

  it("members read; only owners and admins write (enforced by the route and by RLS)", async () => {
    const o = await ownerOf();
    const { rule } = await (await call("/api/automations", o.cookie, "POST", greeting)).json();
    const agent = await addMemberWithCookie(o.orgId, "agent");
    const admin = await addMemberWithCookie(o.orgId, "admin");
    expect((await (await call("/api/automations", agent.cookie)).json()).rules).toHaveLength(1);
    expect((await call("/api/automations", agent.cookie, "POST", greeting)).status).toBe(403);
    expect((await call(`/api/automations/${rule.id}`, agent.cookie, "PATCH", { enabled: false })).status).toBe(403);
    expect((await call(`/api/automations/${rule.id}`, agent.cookie, "DELETE")).status).toBe(403);
    expect((await call(`/api/automations/${rule.id}`, admin.cookie, "PATCH", { reply_text: "Hey" })).status).toBe(200);
    // Below the route: an agent's own transaction cannot delete or change rules either.
    const claims = { sub: agent.user.id, role: "authenticated" as const, email: agent.user.email };
    const deleted = await withTenant(claims, (db) => db.query("delete from public.automation_rules where id = $1", [rule.id]));
    expect(deleted.rowCount).toBe(0);
    const updated = await withTenant(claims, (db) => db.query("update public.automation_rules set enabled = false where id = $1", [rule.id]));
    expect(updated.rowCount).toBe(0);
    expect((await (await call("/api/automations", o.cookie)).json()).rules[0]).toMatchObject({ enabled: true, reply_text: "Hey" });
  });

  it("another organization's rules are invisible and untouchable (404)", async () => {
    const a = await ownerOf();
    const b = await ownerOf();
    const { rule } = await (await call("/api/automations", a.cookie, "POST", greeting)).json();
    expect((await (await call("/api/automations", b.cookie)).json()).rules).toEqual([]);
    expect((await call(`/api/automations/${rule.id}`, b.cookie, "PATCH", { enabled: false })).status).toBe(404);
    expect((await call(`/api/automations/${rule.id}`, b.cookie, "DELETE")).status).toBe(404);
    expect((await call(`/api/automations/not-a-uuid`, b.cookie, "DELETE")).status).toBe(404);
    expect((await (await call("/api/automations", a.cookie)).json()).rules).toHaveLength(1);
  });

  it("requires a session", async () => {
    expect((await call("/api/automations", null)).status).toBe(401);
    expect((await call("/api/automations", "wa_session=forged")).status).toBe(401);
  });
});

describe("POST /api/automations/test", () => {
  it("tells which rule would fire, using the same matcher as the webhook", async () => {
    const o = await ownerOf();
    await call("/api/automations", o.cookie, "POST", greeting);
    await call("/api/automations", o.cookie, "POST", { name: "Price", match_type: "contains", keyword: "price", reply_text: "See list", priority: 20 });
    await call("/api/automations", o.cookie, "POST", { name: "Off", match_type: "contains", keyword: "price", reply_text: "x", priority: 1, enabled: false });
    const agent = await addMemberWithCookie(o.orgId, "agent");
    const t = async (text: string) => (await call("/api/automations/test", agent.cookie, "POST", { text })).json();
    expect((await t("  HI ")).rule.name).toBe("Greeting");
    expect((await t("what's the price?")).rule.name).toBe("Price");
    expect(await t("thanks")).toEqual({ rule: null, consent_keyword: null });
    expect(await t("STOP")).toEqual({ rule: null, consent_keyword: "out" });
    const bad = await call("/api/automations/test", agent.cookie, "POST", { text: "" });
    expect(bad.status).toBe(400);
  });
});
