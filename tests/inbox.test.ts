import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signSession } from "../lib/auth/session";
import { closePools } from "../lib/db/pool";
import { withService } from "../lib/db/tx";
import { makeOrg } from "./helpers/factories";
import { serveRoutes } from "./helpers/serve-routes";
import * as list from "../app/api/inbox/conversations/route";
import * as thread from "../app/api/inbox/conversations/[contactId]/route";
import * as read from "../app/api/inbox/conversations/[contactId]/read/route";

let server: Awaited<ReturnType<typeof serveRoutes>>;
beforeAll(async () => {
  server = await serveRoutes({
    "/api/inbox/conversations": list,
    "/api/inbox/conversations/[contactId]": thread,
    "/api/inbox/conversations/[contactId]/read": read,
  });
});
afterAll(async () => {
  await server.close();
  await closePools();
});

async function get(path: string, cookie: string, method = "GET") {
  const res = await fetch(server.url + path, { method, headers: { cookie } });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function contactWithMessages(orgId: string, name: string, msgs: Array<{ dir: "inbound" | "outbound"; text: string; minutesAgo: number }>) {
  return withService(async (db) => {
    const wa = `91${Math.floor(Math.random() * 1e10)}`;
    const { rows } = await db.query<{ id: string }>(
      "insert into public.contacts (org_id, wa_id, name, last_inbound_at) values ($1, $2, $3, $4) returning id",
      [orgId, wa, name, msgs.some((m) => m.dir === "inbound") ? new Date(Date.now() - Math.min(...msgs.filter((m) => m.dir === "inbound").map((m) => m.minutesAgo)) * 60_000) : null],
    );
    for (const m of msgs) {
      await db.query(
        `insert into public.messages (org_id, contact_id, direction, type, status, text, created_at)
         values ($1, $2, $3, 'text', $4, $5, now() - make_interval(mins => $6))`,
        [orgId, rows[0].id, m.dir, m.dir === "inbound" ? "received" : "delivered", m.text, m.minutesAgo],
      );
    }
    return rows[0].id;
  });
}

describe("inbox API", () => {
  it("lists conversations by latest activity with unread counts, marks read, and pages", async () => {
    const org = await makeOrg();
    const cookie = `wa_session=${await signSession(org.user)}`;
    const older = await contactWithMessages(org.orgId, "Asha", [
      { dir: "inbound", text: "hello", minutesAgo: 60 * 30 },
      { dir: "outbound", text: "hi Asha", minutesAgo: 60 * 29 },
    ]);
    const newer = await contactWithMessages(org.orgId, "Ravi", [
      { dir: "inbound", text: "price?", minutesAgo: 10 },
      { dir: "inbound", text: "hello?", minutesAgo: 5 },
    ]);
    const res = await get("/api/inbox/conversations", cookie);
    expect(res.status).toBe(200);
    expect(res.body.data.map((c: { contact: { id: string } }) => c.contact.id)).toEqual([newer, older]);
    expect(res.body.data[0]).toMatchObject({ unread_count: 2, window_open: true, last_message: { text: "hello?" } });
    expect(res.body.data[1]).toMatchObject({ unread_count: 1, window_open: false });

    expect((await get(`/api/inbox/conversations/${newer}/read`, cookie, "POST")).status).toBe(204);
    const unread = await get("/api/inbox/conversations?unread=1", cookie);
    expect(unread.body.data.map((c: { contact: { id: string } }) => c.contact.id)).toEqual([older]);

    const page1 = await get("/api/inbox/conversations?limit=1", cookie);
    expect(page1.body.data).toHaveLength(1);
    const page2 = await get(`/api/inbox/conversations?limit=1&cursor=${page1.body.next_cursor}`, cookie);
    expect(page2.body.data[0].contact.id).toBe(older);
    expect(page2.body.next_cursor).toBeNull();

    const search = await get("/api/inbox/conversations?search=asha", cookie);
    expect(search.body.data.map((c: { contact: { name: string } }) => c.contact.name)).toEqual(["Asha"]);

    // A reply sent to Asha now moves her conversation to the top; a message stored late with an
    // older time does not move Ravi's; a contact without messages has no conversation.
    await contactWithMessages(org.orgId, "Silent", []);
    const ids = async () => (await get("/api/inbox/conversations", cookie)).body.data.map((c: { contact: { id: string } }) => c.contact.id);
    await withService((db) =>
      db.query("insert into public.messages (org_id, contact_id, direction, type, status, text) values ($1, $2, 'outbound', 'text', 'sent', 'on its way')", [org.orgId, older]),
    );
    expect(await ids()).toEqual([older, newer]);
    await withService((db) =>
      db.query(
        "insert into public.messages (org_id, contact_id, direction, type, status, text, created_at) values ($1, $2, 'inbound', 'text', 'received', 'late', now() - interval '2 hours')",
        [org.orgId, newer],
      ),
    );
    expect(await ids()).toEqual([older, newer]);
  });

  it("returns a thread oldest-first with the 24-hour window state", async () => {
    const org = await makeOrg();
    const cookie = `wa_session=${await signSession(org.user)}`;
    const id = await contactWithMessages(org.orgId, "Meera", [
      { dir: "inbound", text: "one", minutesAgo: 30 },
      { dir: "outbound", text: "two", minutesAgo: 20 },
    ]);
    const res = await get(`/api/inbox/conversations/${id}`, cookie);
    expect(res.body.data.map((m: { text: string }) => m.text)).toEqual(["one", "two"]);
    expect(res.body.window.open).toBe(true);
    expect(res.body.contact.name).toBe("Meera");
  });

  it("answers 404 for another organization's conversation and never lists it", async () => {
    const a = await makeOrg();
    const b = await makeOrg();
    const bContact = await contactWithMessages(b.orgId, "Secret", [{ dir: "inbound", text: "b's message", minutesAgo: 1 }]);
    const cookie = `wa_session=${await signSession(a.user)}`;
    expect((await get(`/api/inbox/conversations/${bContact}`, cookie)).status).toBe(404);
    expect((await get(`/api/inbox/conversations/${bContact}/read`, cookie, "POST")).status).toBe(404);
    expect((await get(`/api/inbox/conversations/${randomUUID()}`, cookie)).status).toBe(404);
    expect((await get(`/api/inbox/conversations/not-a-uuid`, cookie)).status).toBe(404);
    const listed = await get("/api/inbox/conversations", cookie);
    expect(JSON.stringify(listed.body)).not.toContain("b's message");
    expect((await get("/api/inbox/conversations?cursor=garbage", cookie)).status).toBe(400);
  });
});
