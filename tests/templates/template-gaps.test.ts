import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signSession } from "../../lib/auth/session";
import { connectSandboxChannel } from "../../lib/channels/channels";
import { withService } from "../../lib/db/tx";
import type { SandboxGraphServer } from "../../lib/sandbox/graph-server";
import { makeContact, makeTenant, phone } from "../helpers/messaging";
import { startTemplatesStack, until } from "../helpers/templates";
import * as threadRoute from "../../app/api/inbox/conversations/[contactId]/route";
import * as templatesRoute from "../../app/api/v1/templates/route";
import * as templateRoute from "../../app/api/v1/templates/[id]/route";

// Three gaps of the templates feature, over real HTTP to the routes and the sandbox Graph API:
// the inbox's conversation channel decides which WABA's templates the picker lists, the public
// list is cursor-paged, and Meta's 100 template creations per WABA per hour is enforced by the
// sandbox and answered by us with a 429 that says when to try again.

let graph: SandboxGraphServer;
let stack: Awaited<ReturnType<typeof startTemplatesStack>>;

beforeAll(async () => {
  stack = await startTemplatesStack({
    "/api/v1/templates": templatesRoute,
    "/api/v1/templates/[id]": templateRoute as never,
    "/api/inbox/conversations/[contactId]": threadRoute as never,
  });
  ({ graph } = stack);
});
afterAll(() => stack.close());

const api = (path: string, opts: Parameters<typeof stack.api>[1] = {}) => stack.api(path, opts);

const simple = (name: string, channelId?: string) => ({
  name,
  category: "utility",
  language: "en_US",
  components: [{ type: "BODY", text: "Your order is on its way. Thank you." }],
  ...(channelId ? { channel_id: channelId } : {}),
});

type Row = { id: string; name: string; waba_id: string; status: string };

/** Every page of a list URL; returns the rows and the number of pages. */
async function walk(key: string, path: string): Promise<{ rows: Row[]; pages: number }> {
  const rows: Row[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const res = await api(`${path}${cursor ? `${sep}cursor=${encodeURIComponent(cursor)}` : ""}`, { key });
    expect(res.status).toBe(200);
    rows.push(...res.body!.data);
    cursor = res.body!.next_cursor;
    pages++;
  } while (cursor && pages < 100);
  return { rows, pages };
}

describe("inbox: the template picker lists only the conversation channel's WABA", () => {
  it("a contact who wrote to the second number gets that channel, whose list holds its WABA's templates only; the send from it goes out", async () => {
    const t = await makeTenant();
    const b = await connectSandboxChannel({ orgId: t.orgId, displayPhone: "+91 98765 43299" });
    expect(b.waba_id).not.toBe(t.channel.waba_id);
    for (const [name, channelId] of [["only_on_a", t.channel.id], ["only_on_b", b.id]] as const) {
      const res = await api("/api/v1/templates", { key: t.apiKey, body: simple(name, channelId) });
      expect(res.status).toBe(201);
      const done = await until(() => api(`/api/v1/templates/${res.body!.data.id}`, { key: t.apiKey }), (r) => r.body?.data.status !== "PENDING");
      expect(done.body!.data.status).toBe("APPROVED");
    }
    // The customer wrote to number B two days ago (window closed); another never wrote at all.
    const to = phone();
    const contactId = await makeContact(t.orgId, to.slice(1), { minutesAgo: 48 * 60 });
    await withService((db) =>
      db.query(
        `insert into public.messages (org_id, channel_id, contact_id, direction, type, status, text, created_at)
         values ($1, $2, $3, 'inbound', 'text', 'received', 'hello B', now() - interval '48 hours')`,
        [t.orgId, b.id, contactId],
      ),
    );
    const silent = await makeContact(t.orgId, phone().slice(1), { minutesAgo: 48 * 60 });
    const cookie = `wa_session=${await signSession({ id: t.userId, email: "owner@example.test" })}`;

    const thread = await api(`/api/inbox/conversations/${contactId}`, { cookie });
    expect(thread.status).toBe(200);
    expect(thread.body!.window.open).toBe(false);
    expect(thread.body!.channel).toMatchObject({ id: b.id, waba_id: b.waba_id, status: "connected" });
    // No messages yet: the default channel (A).
    expect((await api(`/api/inbox/conversations/${silent}`, { cookie })).body!.channel).toMatchObject({ id: t.channel.id, waba_id: t.channel.waba_id });

    // What the picker asks for: the approved templates of that channel's WABA, none of A's.
    const picked = await walk(t.apiKey, `/api/v1/templates?status=APPROVED&channel_id=${b.id}`);
    expect(picked.rows.map((r) => r.name).sort()).toEqual(["hello_world", "only_on_b", "order_update"]);
    expect(new Set(picked.rows.map((r) => r.waba_id))).toEqual(new Set([b.waba_id]));
    const all = await walk(t.apiKey, "/api/v1/templates?status=APPROVED");
    expect(all.rows.map((r) => r.name)).toContain("only_on_a");

    // The picker's send names the channel: B's template goes out from B; A's is not B's (404, nothing charged).
    const sent = await api("/api/v1/messages", {
      key: t.apiKey,
      body: { to, channel_id: b.id, type: "template", template: { name: "only_on_b", language: { code: "en_US" } } },
    });
    expect(sent.status).toBeLessThan(300);
    expect(graph.state.sent.some((s) => s.phoneNumberId === b.phone_number_id)).toBe(true);
    const wrong = await api("/api/v1/messages", {
      key: t.apiKey,
      body: { to, channel_id: b.id, type: "template", template: { name: "only_on_a", language: { code: "en_US" } } },
    });
    expect(wrong.status).toBe(404);
    expect(wrong.body!.error.code).toBe("template_not_found");

    // Number B disconnected: the conversation falls back to the default number (A) and its WABA.
    await withService((db) => db.query("update public.channels set status = 'disconnected' where id = $1", [b.id]));
    expect((await api(`/api/inbox/conversations/${contactId}`, { cookie })).body!.channel).toMatchObject({ id: t.channel.id });
  });
});

describe("GET /api/v1/templates is cursor-paged", () => {
  it("walks 250 templates in pages with no duplicate and none missing; filters by status, name and WABA; default page of 50", async () => {
    const t = await makeTenant();
    const b = await connectSandboxChannel({ orgId: t.orgId, displayPhone: "+91 98765 43298" });
    await withService((db) =>
      db.query(
        `insert into public.message_templates (org_id, waba_id, meta_template_id, name, language, category, status, components)
         select $1, $2, null, 'promo_' || lpad(i::text, 3, '0'), case when i % 2 = 0 then 'en_US' else 'hi' end, 'MARKETING',
                case when i % 5 = 0 then 'REJECTED' else 'APPROVED' end, '[{"type":"BODY","text":"Hello"}]'::jsonb
         from generate_series(1, 250) i`,
        [t.orgId, t.channel.waba_id],
      ),
    );
    const expected = await withService((db) =>
      db.query<{ id: string }>("select id from public.message_templates where org_id = $1 and status <> 'DELETED' order by name, language, id", [t.orgId]),
    );
    expect(expected.rows).toHaveLength(254); // 250 + two stock templates on each of the two WABAs

    const paged = await walk(t.apiKey, "/api/v1/templates?limit=40");
    expect(paged.pages).toBe(7);
    expect(new Set(paged.rows.map((r) => r.id)).size).toBe(254);
    expect(paged.rows.map((r) => r.id)).toEqual(expected.rows.map((r) => r.id));

    const first = await api("/api/v1/templates", { key: t.apiKey });
    expect(first.body!.data).toHaveLength(50);
    expect(first.body!.next_cursor).toEqual(expect.any(String));

    const approved = await walk(t.apiKey, "/api/v1/templates?status=approved&name=promo&limit=200");
    expect(approved.rows).toHaveLength(200);
    expect(approved.pages).toBe(1); // exactly 200 match: one full page and no cursor to an empty one
    expect(approved.rows.every((r) => r.status === "APPROVED" && r.name.startsWith("promo_"))).toBe(true);

    const onB = await walk(t.apiKey, `/api/v1/templates?waba_id=${b.waba_id}`);
    expect(onB.rows.map((r) => r.name)).toEqual(["hello_world", "order_update"]);
    const byChannel = await walk(t.apiKey, `/api/v1/templates?channel_id=${t.channel.id}&limit=100`);
    expect(byChannel.rows).toHaveLength(252);
  });

  it("a cursor it did not hand out, or a bad limit, is 400 with what to do", async () => {
    const t = await makeTenant();
    const forged = Buffer.from(JSON.stringify(["a", "en", "not-a-uuid"])).toString("base64url");
    for (const cursor of ["garbage!!", forged, Buffer.from("[1,2]").toString("base64url")]) {
      const res = await api(`/api/v1/templates?cursor=${encodeURIComponent(cursor)}`, { key: t.apiKey });
      expect(res.status).toBe(400);
      expect(res.body!.error.code).toBe("invalid_cursor");
      expect(res.body!.error.message).toMatch(/pass next_cursor from the previous page unchanged/);
    }
    for (const limit of ["0", "201", "ten"]) {
      const res = await api(`/api/v1/templates?limit=${limit}`, { key: t.apiKey });
      expect(res.status).toBe(400);
      expect(res.body!.error.message).toMatch(/^limit:/);
    }
    const waba = await api("/api/v1/templates?waba_id=abc", { key: t.apiKey });
    expect(waba.status).toBe(400);
    expect(waba.body!.error.message).toMatch(/waba_id must be a WhatsApp Business Account id/);
  });
});

describe("100 template creations per WABA per hour", () => {
  it("the sandbox refuses the 101st creation in a moving hour with Meta's 80007; another WABA is not affected", async () => {
    const waba = "2099000000777";
    const create = (name: string, w = waba) =>
      fetch(`${graph.url}/v21.0/${w}/message_templates`, {
        method: "POST",
        headers: { authorization: "Bearer sbx_test", "content-type": "application/json" },
        body: JSON.stringify({ name, language: "en", category: "UTILITY", components: [{ type: "BODY", text: "Hello there" }] }),
      });
    for (let i = 0; i < 100; i++) expect((await create(`hourly_${i}`)).status).toBe(200);
    const refused = await create("hourly_100");
    expect(refused.status).toBe(400);
    const body = (await refused.json()) as { error: { code: number; message: string; error_data: { details: string } } };
    expect(body.error).toMatchObject({ code: 80007, message: "(#80007) Rate limit issues" });
    expect(body.error.error_data.details).toMatch(/100 message template creations per hour/);
    expect(graph.state.templates.get(waba)!.some((x) => x.name === "hourly_100")).toBe(false);
    expect((await create("hourly_0", "2099000000778")).status).toBe(200);
    // The hour moves: once the oldest creation is more than an hour old, one more fits, then no more.
    graph.state.templateCreations.get(waba)![0] -= 3_600_001;
    expect((await create("hourly_100")).status).toBe(200);
    expect((await create("hourly_101")).status).toBe(400);
  });

  it("POST /api/v1/templates over the limit is 429 template_creation_limited with when to retry (Retry-After); nothing is stored", async () => {
    const t = await makeTenant();
    const b = await connectSandboxChannel({ orgId: t.orgId, displayPhone: "+91 98765 43297" });
    for (let i = 0; i < 100; i++) {
      const res = await api("/api/v1/templates", { key: t.apiKey, body: simple(`batch_${String(i).padStart(3, "0")}`) });
      expect(res.status).toBe(201);
    }
    // Our 100 creations on this WABA were made 20 minutes ago (the oldest) to now: the window
    // frees its first slot when the oldest is an hour old, 40 minutes from now.
    await withService((db) =>
      db.query(
        `update public.message_templates set created_at = now() - interval '20 minutes' where org_id = $1 and waba_id = $2 and name = 'batch_000'`,
        [t.orgId, t.channel.waba_id],
      ),
    );
    const refused = await api("/api/v1/templates", { key: t.apiKey, body: simple("batch_100") });
    expect(refused.status).toBe(429);
    expect(refused.body!.error.code).toBe("template_creation_limited");
    expect(refused.body!.error.message).toMatch(
      /^WhatsApp allows 100 new templates per WhatsApp Business Account per hour, and this account has reached it\. Try again after \d\d:\d\d UTC/,
    );
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(39 * 60);
    expect(retryAfter).toBeLessThanOrEqual(40 * 60);
    expect(refused.body!.error).toMatchObject({ waba_id: t.channel.waba_id, retry_after_seconds: retryAfter });
    const hhmm = new Date(Math.ceil(Date.parse(refused.body!.error.retry_at) / 60_000) * 60_000).toISOString().slice(11, 16);
    expect(refused.body!.error.message).toContain(`after ${hhmm} UTC`);
    const stored = await withService((db) => db.query("select 1 from public.message_templates where org_id = $1 and name = 'batch_100'", [t.orgId]));
    expect(stored.rowCount).toBe(0);
    expect(graph.state.calls.templates_create_limited).toBeGreaterThanOrEqual(1);
    // The organization's other WABA still takes new templates.
    expect((await api("/api/v1/templates", { key: t.apiKey, body: simple("batch_100", b.id) })).status).toBe(201);
  });
});
