import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signSession } from "../../lib/auth/session";
import { withService } from "../../lib/db/tx";
import type { SandboxGraphServer } from "../../lib/sandbox/graph-server";
import { applyTemplateStatus } from "../../lib/templates/templates";
import { makeOrg } from "../helpers/factories";
import { balance, makeContact, makeTenant, messageRow, phone, type Tenant } from "../helpers/messaging";
import { startTemplatesStack, until } from "../helpers/templates";
import * as templatesRoute from "../../app/api/v1/templates/route";
import * as templateRoute from "../../app/api/v1/templates/[id]/route";
import * as syncRoute from "../../app/api/v1/templates/sync/route";

// Templates end to end over real HTTP: the routes and the Meta webhook route served in-process,
// the sandbox Graph API (templates listed in pages, created PENDING, reviewed a moment later and
// reported by a signed message_template_status_update webhook), and the send pipeline's check.

let graph: SandboxGraphServer;
let stack: Awaited<ReturnType<typeof startTemplatesStack>>;

beforeAll(async () => {
  stack = await startTemplatesStack({
    "/api/v1/templates": templatesRoute,
    "/api/v1/templates/sync": syncRoute,
    "/api/v1/templates/[id]": templateRoute as never,
  });
  ({ graph } = stack);
});
afterAll(() => stack.close());

const api = (path: string, opts: Parameters<typeof stack.api>[1] = {}) => stack.api(path, opts);

const orderBody = (name: string, text = "Hi {{1}}, your order {{2}} is on its way.") => ({
  name,
  category: "utility",
  language: "en_US",
  components: [
    { type: "HEADER", format: "TEXT", text: "Order {{1}}", example: { header_text: ["#1042"] } },
    { type: "BODY", text, example: { body_text: [["Priya", "#1042"]] } },
    { type: "FOOTER", text: "Thanks for shopping" },
    { type: "BUTTONS", buttons: [{ type: "URL", text: "Track", url: "https://shop.example/track/{{1}}", example: ["abc"] }, { type: "QUICK_REPLY", text: "Stop" }] },
  ],
});

async function createApproved(t: Tenant, name: string) {
  const res = await api("/api/v1/templates", { key: t.apiKey, body: orderBody(name) });
  expect(res.status).toBe(201);
  const got = await until(() => api(`/api/v1/templates/${res.body!.data.id}`, { key: t.apiKey }), (r) => r.body?.data.status !== "PENDING");
  expect(got.body!.data.status).toBe("APPROVED");
  return res.body!.data as { id: string; name: string };
}

describe("sandbox Graph API: message templates as Meta pages them", () => {
  it("every WABA starts with an approved hello_world; list pages with limit/after and paging.next", async () => {
    const waba = "2099000000001";
    for (let i = 0; i < 7; i++) {
      const res = await fetch(`${graph.url}/v21.0/${waba}/message_templates`, {
        method: "POST",
        headers: { authorization: "Bearer sbx_test", "content-type": "application/json" },
        body: JSON.stringify({ name: `paged_${i}`, language: "en", category: "MARKETING", components: [{ type: "BODY", text: "Hello there" }] }),
      });
      expect(await res.json()).toMatchObject({ status: "PENDING", category: "MARKETING" });
    }
    const names: string[] = [];
    let next: string | undefined = `${graph.url}/v21.0/${waba}/message_templates?limit=4`;
    let pages = 0;
    while (next) {
      const body = (await (await fetch(next, { headers: { authorization: "Bearer sbx_test" } })).json()) as {
        data: Array<{ name: string; status: string }>;
        paging: { cursors: { after?: string }; next?: string };
      };
      names.push(...body.data.map((d) => d.name));
      expect(body.paging.cursors.after).toBeTruthy();
      next = body.paging.next;
      pages++;
    }
    expect(pages).toBe(3);
    expect(names).toEqual(["hello_world", "order_update", ...Array.from({ length: 7 }, (_, i) => `paged_${i}`)]);
    const dup = await fetch(`${graph.url}/v21.0/${waba}/message_templates`, {
      method: "POST",
      headers: { authorization: "Bearer sbx_test", "content-type": "application/json" },
      body: JSON.stringify({ name: "paged_0", language: "en", category: "MARKETING", components: [] }),
    });
    expect(dup.status).toBe(400);
  });
});

describe("templates API", () => {
  it("a sandbox channel comes with hello_world; sync reads every page, upserts by Meta's id and marks vanished ones DELETED", async () => {
    const t = await makeTenant();
    const start = await api("/api/v1/templates", { key: t.apiKey });
    expect(start.body!.data.map((x: { name: string }) => x.name)).toEqual(["hello_world", "order_update"]);
    // 230 more templates at "Meta" (made in Meta's tools): three pages of 100.
    await fetch(`${graph.url}/v21.0/${t.channel.waba_id}/message_templates`, { headers: { authorization: "Bearer sbx_test" } });
    const list = graph.state.templates.get(t.channel.waba_id)!;
    for (let i = 0; i < 230; i++) {
      list.push({ id: String(500000000000000 + i), name: `bulk_${String(i).padStart(3, "0")}`, language: "hi", category: "MARKETING", status: "APPROVED", components: [{ type: "BODY", text: "Namaste" }] });
    }
    const before = graph.state.calls.templates_list ?? 0;
    const res = await api("/api/v1/templates/sync", { key: t.apiKey, body: {} });
    expect(res.status).toBe(200);
    expect(res.body!.data).toEqual([{ waba_id: t.channel.waba_id, fetched: 232, pages: 3, deleted: 0 }]);
    expect(graph.state.calls.templates_list).toBe(before + 3);
    const all = await api("/api/v1/templates?name=bulk&limit=200", { key: t.apiKey });
    expect(all.body!.data).toHaveLength(200);
    const rest = await api(`/api/v1/templates?name=bulk&limit=200&cursor=${all.body!.next_cursor}`, { key: t.apiKey });
    expect(rest.body).toMatchObject({ next_cursor: null });
    expect(rest.body!.data).toHaveLength(30);
    // The stock rows kept their ids (no duplicates), and a second sync changes nothing.
    const again = await api("/api/v1/templates/sync", { key: t.apiKey, body: { channel_id: t.channel.id } });
    expect(again.body!.data[0]).toMatchObject({ fetched: 232, deleted: 0 });
    // Deleted in Meta's tools: the next sync marks them DELETED; they leave the default list.
    graph.state.templates.set(t.channel.waba_id, list.filter((x) => !["bulk_000", "bulk_001"].includes(x.name)));
    const third = await api("/api/v1/templates/sync", { key: t.apiKey, method: "POST" });
    expect(third.body!.data[0]).toMatchObject({ fetched: 230, deleted: 2 });
    const head = await api("/api/v1/templates?name=bulk&limit=200", { key: t.apiKey });
    const tail = await api(`/api/v1/templates?name=bulk&limit=200&cursor=${head.body!.next_cursor}`, { key: t.apiKey });
    expect(head.body!.data.length + tail.body!.data.length).toBe(228);
    expect(head.body!.data[0].name).toBe("bulk_002");
    const gone = await api("/api/v1/templates?status=deleted", { key: t.apiKey });
    expect(gone.body!.data.map((x: { name: string }) => x.name)).toEqual(["bulk_000", "bulk_001"]);
  });

  it("create → PENDING with Meta's id → the signed status webhook makes it APPROVED; a name with 'reject' or a body ending in a variable is REJECTED with its reason", async () => {
    const t = await makeTenant();
    const res = await api("/api/v1/templates", { key: t.apiKey, body: orderBody("shipping_update") });
    expect(res.status).toBe(201);
    expect(res.body!.data).toMatchObject({ name: "shipping_update", category: "UTILITY", language: "en_US", status: "PENDING", waba_id: t.channel.waba_id });
    expect(res.body!.data.meta_template_id).toMatch(/^\d+$/);
    const approved = await until(() => api(`/api/v1/templates/${res.body!.data.id}`, { key: t.apiKey }), (r) => r.body?.data.status !== "PENDING");
    expect(approved.body!.data).toMatchObject({ status: "APPROVED", rejected_reason: null });
    // The event was applied by the webhook's slow half and marked processed.
    const ev = await withService((db) =>
      db.query("select processed_at, last_error from public.webhook_events where org_id = $1 and kind = 'template_status'", [t.orgId]),
    );
    expect(ev.rows).toHaveLength(1);
    expect(ev.rows[0].processed_at).not.toBeNull();
    expect(ev.rows[0].last_error).toBeNull();

    for (const body of [orderBody("please_reject_me"), orderBody("code_message", "Your code is {{1}} {{2}}")]) {
      const r = await api("/api/v1/templates", { key: t.apiKey, body });
      expect(r.status).toBe(201);
      const done = await until(() => api(`/api/v1/templates/${r.body!.data.id}`, { key: t.apiKey }), (x) => x.body?.data.status !== "PENDING");
      expect(done.body!.data).toMatchObject({ status: "REJECTED", rejected_reason: "INVALID_FORMAT" });
    }
    // The same name and language again: 409, nothing sent to Meta.
    const creates = graph.state.calls.templates_create;
    const dup = await api("/api/v1/templates", { key: t.apiKey, body: orderBody("shipping_update") });
    expect(dup.status).toBe(409);
    expect(dup.body!.error.code).toBe("template_exists");
    expect(graph.state.calls.templates_create).toBe(creates);
  });

  it("refuses malformed definitions with 400 and a message to act on, before calling Meta", async () => {
    const t = await makeTenant();
    const creates = graph.state.calls.templates_create ?? 0;
    const cases: Array<[unknown, RegExp]> = [
      [{ ...orderBody("x"), name: "Bad Name" }, /lowercase/],
      [{ ...orderBody("x"), category: "promo" }, /MARKETING, UTILITY or AUTHENTICATION/],
      [{ ...orderBody("x"), components: [{ type: "BODY", text: "Hi {{1}} and {{3}}", example: { body_text: [["a", "b"]] } }] }, /without gaps/],
      [{ ...orderBody("x"), components: [{ type: "BODY", text: "Hi {{1}} there" }] }, /example/],
      [{ ...orderBody("x"), components: [{ type: "FOOTER", text: "only a footer" }] }, /exactly one BODY/],
      [{ ...orderBody("x"), components: [{ type: "HEADER", format: "IMAGE" }, { type: "BODY", text: "Hi" }] }, /header_handle|HEADER/],
    ];
    for (const [body, message] of cases) {
      const res = await api("/api/v1/templates", { key: t.apiKey, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body!.error.message).toMatch(message);
    }
    expect(graph.state.calls.templates_create ?? 0).toBe(creates);
  });

  it("delete goes to Meta (by hsm_id) and leaves the row DELETED; sending it is then 404", async () => {
    const t = await makeTenant();
    const tpl = await createApproved(t, "to_delete");
    const del = await api(`/api/v1/templates/${tpl.id}`, { key: t.apiKey, method: "DELETE" });
    expect(del.status).toBe(204);
    expect(graph.state.templates.get(t.channel.waba_id)!.some((x) => x.name === "to_delete")).toBe(false);
    expect((await api(`/api/v1/templates/${tpl.id}`, { key: t.apiKey })).body!.data.status).toBe("DELETED");
    expect((await api("/api/v1/templates", { key: t.apiKey })).body!.data.some((x: { id: string }) => x.id === tpl.id)).toBe(false);
    const to = phone();
    await makeContact(t.orgId, to.slice(1));
    const send = await api("/api/v1/messages", { key: t.apiKey, body: { to, type: "template", template: { name: "to_delete", language: { code: "en_US" } } } });
    expect(send.status).toBe(404);
    expect(send.body!.error.code).toBe("template_not_found");
  });

  it("agents read but cannot create, delete or sync (403); another organization's template id is 404", async () => {
    const t = await makeTenant();
    const agent = await makeOrg({ role: "agent" });
    await withService((db) => db.query("insert into public.memberships (org_id, user_id, role) values ($1, $2, 'agent')", [t.orgId, agent.user.id]));
    await withService((db) => db.query("delete from public.memberships where org_id = $1", [agent.orgId]));
    const cookie = `wa_session=${await signSession(agent.user)}`;
    const listed = await api("/api/v1/templates", { cookie });
    expect(listed.status).toBe(200);
    expect(listed.body!.data.map((x: { name: string }) => x.name)).toContain("hello_world");
    const id = listed.body!.data[0].id as string;
    expect((await api("/api/v1/templates", { cookie, body: orderBody("agent_try") })).status).toBe(403);
    expect((await api(`/api/v1/templates/${id}`, { cookie, method: "DELETE" })).status).toBe(403);
    expect((await api("/api/v1/templates/sync", { cookie, body: {} })).status).toBe(403);

    const other = await makeTenant();
    for (const method of ["GET", "DELETE"]) {
      const res = await api(`/api/v1/templates/${id}`, { key: other.apiKey, method });
      expect(res.status).toBe(404);
      expect(res.body!.error.code).toBe("template_not_found");
    }
    // The owner's session reads through RLS too.
    const owner = `wa_session=${await signSession({ id: t.userId, email: "owner@example.test" })}`;
    expect((await api(`/api/v1/templates/${id}`, { cookie: owner })).status).toBe(200);
    expect((await api(`/api/v1/templates/${other.channel.id}`, { cookie: owner })).status).toBe(404);
  });
});

describe("sending a template checks it against its definition before anything is charged", () => {
  it("wrong, unknown or unapproved templates get 4xx with no debit and no call to Meta; a correct one goes out with its text filled in", async () => {
    const t = await makeTenant({ balancePaise: 1000, feePaise: 20 });
    await createApproved(t, "order_shipped");
    const pending = await api("/api/v1/templates", { key: t.apiKey, body: orderBody("still_pending") });
    expect(pending.status).toBe(201);
    // Keep it PENDING: the sandbox has not reviewed it yet when we send (its review is dropped).
    await withService((db) => db.query("update public.message_templates set status = 'PENDING', status_at = now() + interval '1 hour' where id = $1", [pending.body!.data.id]));
    const to = phone();
    await makeContact(t.orgId, to.slice(1), { minutesAgo: 48 * 60 });
    const tpl = (name: string, components?: unknown[], code = "en_US") => ({ to, type: "template", template: { name, language: { code }, ...(components ? { components } : {}) } });
    const text = (s: string) => ({ type: "text", text: s });
    const good = [
      { type: "header", parameters: [text("#77")] },
      { type: "body", parameters: [text("Asha"), text("#77")] },
      { type: "button", sub_type: "url", index: "0", parameters: [text("77")] },
    ];
    const cases: Array<[unknown, number, string, RegExp]> = [
      [tpl("no_such_template"), 404, "template_not_found", /no_such_template/],
      [tpl("order_shipped", good, "hi"), 404, "template_not_found", /language hi/],
      [tpl("still_pending", good), 409, "template_not_approved", /PENDING/],
      [tpl("order_shipped", [good[0], { type: "body", parameters: [text("Asha")] }, good[2]]), 422, "template_params_invalid", /body expects 2 parameters, got 1/],
      [tpl("order_shipped", [good[0], { type: "body", parameters: [text("a"), text("b"), text("c")] }, good[2]]), 422, "template_params_invalid", /body expects 2 parameters, got 3/],
      [tpl("order_shipped", [good[1], good[2]]), 422, "template_params_invalid", /header expects 1 parameter, got 0/],
      [tpl("order_shipped", [good[0], good[1]]), 422, "template_params_invalid", /button 0 .* expects 1 parameter/],
      [tpl("order_shipped", [good[0], { type: "body", parameters: [text("a"), { type: "image", image: { link: "https://x.example/a.png" } }] }, good[2]]), 422, "template_params_invalid", /body parameter 2 must be of type text or currency or date_time/],
      [tpl("order_shipped", [...good, { type: "button", sub_type: "url", index: "3", parameters: [text("x")] }]), 422, "template_params_invalid", /button 3 does not exist/],
      [tpl("hello_world", [{ type: "body", parameters: [text("extra")] }]), 422, "template_params_invalid", /body expects 0 parameters, got 1/],
    ];
    const calls = graph.state.calls.messages ?? 0;
    for (const [body, status, code, message] of cases) {
      const res = await api("/api/v1/messages", { key: t.apiKey, body });
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.body!.error.code).toBe(code);
      expect(res.body!.error.message).toMatch(message);
    }
    expect(graph.state.calls.messages ?? 0).toBe(calls);
    expect(await balance(t.orgId)).toBe(1000);
    const n = await withService((db) => db.query("select count(*)::int as n from public.messages where org_id = $1", [t.orgId]));
    expect(n.rows[0].n).toBe(0);

    const ok = await api("/api/v1/messages", { key: t.apiKey, body: tpl("order_shipped", good) });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ status: "sent", fee_paise: 20, balance_paise: 980 });
    expect((await messageRow(ok.body!.id)).text).toBe("Hi Asha, your order #77 is on its way.");
    expect(graph.state.sent.find((s) => s.wamid === ok.body!.wamid)!.body).toMatchObject({ type: "template", template: { name: "order_shipped", components: good } });
    expect((await api("/api/v1/messages", { key: t.apiKey, body: tpl("hello_world") })).status).toBe(201);
  });

  it("status events apply by Meta's template id and never overwrite a newer status", async () => {
    const t = await makeTenant();
    const metaId = await withService(async (db) => {
      const { rows } = await db.query<{ meta_template_id: string }>(
        "select meta_template_id from public.message_templates where org_id = $1 and name = 'order_update'",
        [t.orgId],
      );
      return rows[0].meta_template_id;
    });
    const now = Date.now();
    const status = () =>
      withService(async (db) => (await db.query("select status, rejected_reason from public.message_templates where meta_template_id = $1", [metaId])).rows[0]);
    expect(await withService((db) => applyTemplateStatus(db, t.orgId, { event: "PAUSED", message_template_id: metaId, reason: "NONE" }, new Date(now + 60_000)))).toBe("applied");
    // An older event processed late (a retry): ignored.
    expect(await withService((db) => applyTemplateStatus(db, t.orgId, { event: "APPROVED", message_template_id: metaId }, new Date(now + 30_000)))).toBe("stale");
    expect(await status()).toEqual({ status: "PAUSED", rejected_reason: null });
    expect(await withService((db) => applyTemplateStatus(db, t.orgId, { event: "REJECTED", message_template_id: metaId, reason: "INCORRECT_CATEGORY" }, new Date(now + 90_000)))).toBe("applied");
    expect(await status()).toEqual({ status: "REJECTED", rejected_reason: "INCORRECT_CATEGORY" });
    // Another organization cannot touch it, even with the id.
    const other = await makeTenant();
    expect(await withService((db) => applyTemplateStatus(db, other.orgId, { event: "APPROVED", message_template_id: metaId }, new Date(now + 120_000)))).toBe("unknown_template");
  });
});
