import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closePools } from "../lib/db/pool";
import { withService, withTenant } from "../lib/db/tx";
import { call, orgWithAccess, serveContactRoutes, type Auth } from "./helpers/contacts-http";

let server: Awaited<ReturnType<typeof serveContactRoutes>>;
beforeAll(async () => {
  server = await serveContactRoutes();
});
afterAll(async () => {
  await server.close();
  await closePools();
});

const req = (method: string, path: string, auth?: Auth, body?: unknown) => call(server.url, method, path, auth, body);

describe("contacts API: create, read, update, delete", () => {
  it("creates a contact from any spelling of a number and answers 409 with the existing id for a duplicate", async () => {
    const a = await orgWithAccess();
    const created = await req("POST", "/api/contacts", a.owner, {
      phone: "098765 43210",
      name: "  Asha Rao ",
      tags: [" VIP ", "vip", "Bulk  Buyer"],
      attributes: { city: "Pune", orders: 3 },
    });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({
      wa_id: "919876543210",
      phone_e164: "+919876543210",
      name: "Asha Rao",
      tags: ["vip", "bulk buyer"],
      attributes: { city: "Pune", orders: 3 },
      opted_out: false,
      opted_out_at: null,
    });

    const dup = await req("POST", "/api/contacts", a.owner, { phone: "+91 98765-43210" });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toMatchObject({ code: "contact_exists", existing_id: created.body.data.id });

    const got = await req("GET", `/api/contacts/${created.body.data.id}`, a.owner);
    expect(got.status).toBe(200);
    expect(got.body.data.id).toBe(created.body.data.id);
  });

  it("explains bad input field by field", async () => {
    const a = await orgWithAccess();
    const badPhone = await req("POST", "/api/contacts", a.owner, { phone: "98765" });
    expect(badPhone.status).toBe(400);
    expect(badPhone.body.error.code).toBe("invalid_request");
    expect(badPhone.body.error.fields).toEqual([{ path: "phone", message: expect.stringContaining("'98765' is not a valid phone number") }]);
    // Every field's problem comes back at once, so a form can show them all.
    const both = await req("POST", "/api/contacts", a.owner, { phone: "", tags: ["bad!"] });
    expect(both.body.error.fields.map((f: { path: string }) => f.path).sort()).toEqual(["phone", "tags.0"]);

    const badTags = await req("POST", "/api/contacts", a.owner, { phone: "9876500001", tags: ["ok", "no!"] });
    expect(badTags.status).toBe(400);
    expect(badTags.body.error.fields[0]).toMatchObject({ path: "tags.1", message: expect.stringMatching(/may only contain/) });

    const tooMany = await req("POST", "/api/contacts", a.owner, { phone: "9876500001", tags: Array.from({ length: 21 }, (_, i) => `t${i}`) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.message).toMatch(/at most 20 tags/);

    const longTag = await req("POST", "/api/contacts", a.owner, { phone: "9876500001", tags: ["x".repeat(33)] });
    expect(longTag.status).toBe(400);

    const unknown = await req("POST", "/api/contacts", a.owner, { phone: "9876500001", org_id: a.orgId });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(/org_id/);

    const noBody = await call(server.url, "POST", "/api/contacts", a.owner, undefined, { raw: "{oops", contentType: "application/json" });
    expect(noBody.status).toBe(400);
    expect(noBody.body.error.code).toBe("invalid_json");

    const count = await withService((db) => db.query("select count(*)::int as n from public.contacts where org_id = $1", [a.orgId]));
    expect(count.rows[0].n).toBe(0);
  });

  it("updates name, tags, attributes (merge patch) and the opt-out with its timestamp", async () => {
    const a = await orgWithAccess();
    const { body } = await req("POST", "/api/contacts", a.owner, { phone: "9876500002", name: "Old", attributes: { city: "Pune", plan: "gold" } });
    const id = body.data.id;

    const p1 = await req("PATCH", `/api/contacts/${id}`, a.owner, { name: "New", tags: ["Lead"], attributes: { plan: null, tier: 2 } });
    expect(p1.status).toBe(200);
    expect(p1.body.data).toMatchObject({ name: "New", tags: ["lead"], attributes: { city: "Pune", tier: 2 } });
    expect(p1.body.data.attributes).not.toHaveProperty("plan");

    const out = await req("PATCH", `/api/contacts/${id}`, a.owner, { opted_out: true });
    expect(out.body.data.opted_out).toBe(true);
    expect(out.body.data.opted_out_at).toEqual(expect.any(String));
    // Saving it opted-out again keeps the original time.
    const again = await req("PATCH", `/api/contacts/${id}`, a.owner, { opted_out: true, name: "New 2" });
    expect(again.body.data.opted_out_at).toBe(out.body.data.opted_out_at);
    const back = await req("PATCH", `/api/contacts/${id}`, a.owner, { opted_out: false });
    expect(back.body.data).toMatchObject({ opted_out: false, opted_out_at: null });

    const clearName = await req("PATCH", `/api/contacts/${id}`, a.owner, { name: "" });
    expect(clearName.body.data.name).toBeNull();

    expect((await req("PATCH", `/api/contacts/${id}`, a.owner, {})).status).toBe(400);
    const phone = await req("PATCH", `/api/contacts/${id}`, a.owner, { phone: "9876500003" });
    expect(phone.status).toBe(400);
    const tooManyAttrs = await req("PATCH", `/api/contacts/${id}`, a.owner, {
      attributes: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, i])),
    });
    expect(tooManyAttrs.status).toBe(400);
    expect(tooManyAttrs.body.error.message).toMatch(/at most 50 attributes/);
  });

  it("deletes a contact; afterwards it is 404 everywhere", async () => {
    const a = await orgWithAccess();
    const { body } = await req("POST", "/api/contacts", a.owner, { phone: "9876500004" });
    const del = await req("DELETE", `/api/contacts/${body.data.id}`, a.owner);
    expect(del.status).toBe(204);
    expect((await req("GET", `/api/contacts/${body.data.id}`, a.owner)).status).toBe(404);
    expect((await req("DELETE", `/api/contacts/${body.data.id}`, a.owner)).status).toBe(404);
    expect((await req("GET", `/api/contacts/not-a-uuid`, a.owner)).status).toBe(404);
  });
});

describe("contacts API: search, filters and pagination", () => {
  it("searches name, profile name and number (partial digits or the number as typed), filters by tags and opt-out", async () => {
    const a = await orgWithAccess();
    const mk = (phone: string, name: string, tags: string[], opted_out = false) =>
      req("POST", "/api/contacts", a.owner, { phone, name, tags, opted_out });
    await mk("9876543210", "Asha Rao", ["vip", "pune"]);
    await mk("9123456789", "Ravi Kumar", ["pune"]);
    await mk("+14155552671", "John Smith", ["vip"], true);
    await withService((db) =>
      db.query("insert into public.contacts (org_id, wa_id, profile_name) values ($1, '918888777766', 'Meera (WA)')", [a.orgId]),
    );
    // A session searches through private.contact_page_ids (RLS), an API key with a plain query:
    // both must answer the same.
    const names = async (qs: string) => {
      const answers = await Promise.all(
        [a.owner, a.apiKey].map(async (auth) => {
          const r = await req("GET", `/api/contacts?${qs}`, auth);
          expect(r.status).toBe(200);
          return r.body.data.map((c: { name: string | null; profile_name: string | null }) => c.name ?? c.profile_name).sort();
        }),
      );
      expect(answers[0]).toEqual(answers[1]);
      return answers[0];
    };
    expect(await names("q=asha")).toEqual(["Asha Rao"]);
    expect(await names("q=RAO")).toEqual(["Asha Rao"]);
    expect(await names("q=meera")).toEqual(["Meera (WA)"]);
    expect(await names("q=43210")).toEqual(["Asha Rao"]);
    expect(await names(`q=${encodeURIComponent("098765 43210")}`)).toEqual(["Asha Rao"]);
    expect(await names(`q=${encodeURIComponent("+1 415")}`)).toEqual(["John Smith"]);
    expect(await names("q=%25")).toEqual([]); // a literal %, not a wildcard
    expect(await names("tag=pune")).toEqual(["Asha Rao", "Ravi Kumar"]);
    expect(await names("tag=pune&tag=VIP")).toEqual(["Asha Rao"]);
    expect(await names("opted_out=true")).toEqual(["John Smith"]);
    expect(await names("opted_out=false&tag=vip")).toEqual(["Asha Rao"]);
    expect(await names("q=kumar&tag=vip")).toEqual([]);

    const tags = await req("GET", "/api/contacts/tags", a.owner);
    expect(tags.body.data).toEqual([
      { tag: "pune", count: 2 },
      { tag: "vip", count: 2 },
    ]);
  });

  it("pages newest first without gaps or repeats, even for contacts created in the same instant", async () => {
    const a = await orgWithAccess();
    // 23 contacts in one statement share one created_at (as an import does), plus 3 later ones.
    await withService(async (db) => {
      await db.query(
        `insert into public.contacts (org_id, wa_id, name)
         select $1, '9198765' || lpad(g::text, 5, '0'), 'Bulk ' || g from generate_series(1, 23) g`,
        [a.orgId],
      );
    });
    for (const n of [1, 2, 3]) await req("POST", "/api/contacts", a.owner, { phone: `98700000${n}0`, name: `Later ${n}` });

    const seen: string[] = [];
    const names: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r = await req("GET", `/api/v1/contacts?limit=7${cursor ? `&cursor=${cursor}` : ""}`, a.apiKey);
      expect(r.status).toBe(200);
      expect(Object.keys(r.body).sort()).toEqual(["data", "next_cursor"]);
      seen.push(...r.body.data.map((c: { id: string }) => c.id));
      names.push(...r.body.data.map((c: { name: string }) => c.name));
      cursor = r.body.next_cursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(4);
    expect(seen).toHaveLength(26);
    expect(new Set(seen).size).toBe(26);
    expect(names.slice(0, 3)).toEqual(["Later 3", "Later 2", "Later 1"]);

    // The same walk again gives the same order (stable).
    const first = await req("GET", "/api/contacts?limit=26", a.owner);
    expect(first.body.data.map((c: { id: string }) => c.id)).toEqual(seen);

    // Searching and tag filtering page the same way, for a session (RLS) and an API key.
    await withService((db) => db.query("update public.contacts set tags = '{bulk}' where org_id = $1 and name like 'Bulk%'", [a.orgId]));
    for (const auth of [a.owner, a.apiKey]) {
      for (const filter of ["q=bulk", "tag=bulk", "q=9198765&tag=bulk"]) {
        const ids: string[] = [];
        let next: string | null = null;
        do {
          const r = await req("GET", `/api/contacts?${filter}&limit=5${next ? `&cursor=${next}` : ""}`, auth);
          ids.push(...r.body.data.map((c: { id: string }) => c.id));
          next = r.body.next_cursor;
        } while (next && ids.length < 100);
        expect(ids, filter).toEqual(seen.filter((id, i) => names[i].startsWith("Bulk")));
      }
    }

    const bad = await req("GET", "/api/contacts?cursor=garbage", a.owner);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("invalid_cursor");
    expect((await req("GET", "/api/contacts?limit=1000", a.owner)).status).toBe(400);
  });
});

describe("contacts API: roles", () => {
  it("lets agents view, add and rename/tag contacts, but not change attributes or opt-out, delete, import or export", async () => {
    const a = await orgWithAccess();
    const made = await req("POST", "/api/contacts", a.agent, { phone: "9876500010", name: "By agent", tags: ["walk-in"] });
    expect(made.status).toBe(201);
    const id = made.body.data.id;
    expect((await req("GET", "/api/contacts", a.agent)).body.data).toHaveLength(1);
    expect((await req("GET", `/api/contacts/${id}`, a.agent)).status).toBe(200);
    expect((await req("PATCH", `/api/contacts/${id}`, a.agent, { name: "Renamed", tags: ["x"] })).status).toBe(200);

    const attrs = await req("PATCH", `/api/contacts/${id}`, a.agent, { attributes: { a: "b" } });
    expect(attrs.status).toBe(403);
    expect(attrs.body.error.message).toMatch(/Agents can change names and tags only/);
    expect((await req("PATCH", `/api/contacts/${id}`, a.agent, { opted_out: true })).status).toBe(403);
    expect((await req("POST", "/api/contacts", a.agent, { phone: "9876500011", attributes: { a: "b" } })).status).toBe(403);
    expect((await req("DELETE", `/api/contacts/${id}`, a.agent)).status).toBe(403);
    expect((await req("DELETE", `/api/v1/contacts/${id}`, a.agent)).status).toBe(403);
    const imp = await call(server.url, "POST", "/api/contacts/import?dry_run=1", a.agent, undefined, {
      raw: "phone\n9876500012\n",
      contentType: "text/csv",
    });
    expect(imp.status).toBe(403);
    expect((await req("GET", "/api/contacts/export", a.agent)).status).toBe(403);

    // Row level security agrees: an agent's own DELETE statement removes nothing.
    const deleted = await withTenant({ sub: a.agentUser.id, role: "authenticated" }, (db) =>
      db.query("delete from public.contacts where id = $1", [id]),
    );
    expect(deleted.rowCount).toBe(0);
    const owner = await withTenant(a.claims, (db) => db.query("delete from public.contacts where id = $1", [id]));
    expect(owner.rowCount).toBe(1);
  });

  it("answers 401 in the API error shape without a session or key, and for a wrong key", async () => {
    const none = await req("GET", "/api/v1/contacts");
    expect(none.status).toBe(401);
    expect(none.body).toEqual({ error: { code: "unauthorized", message: expect.any(String) } });
    const wrong = await req("GET", "/api/v1/contacts", { key: "wak_abcdefgh_" + "x".repeat(32) });
    expect(wrong.status).toBe(401);
  });
});

describe("contacts API: tenant isolation", () => {
  it("org A's session and API key get 404 for org B's contacts on every route and never see them", async () => {
    const a = await orgWithAccess();
    const b = await orgWithAccess();
    const bContact = await req("POST", "/api/contacts", b.owner, { phone: "9876511111", name: "Secret B", tags: ["b-only"] });
    expect(bContact.status).toBe(201);
    const bId = bContact.body.data.id;
    await req("POST", "/api/contacts", a.owner, { phone: "9876522222", name: "Mine A" });

    for (const auth of [a.owner, a.apiKey, a.agent]) {
      for (const base of ["/api/contacts", "/api/v1/contacts"]) {
        expect((await req("GET", `${base}/${bId}`, auth)).status).toBe(404);
        expect((await req("PATCH", `${base}/${bId}`, auth, { name: "pwned" })).status).toBe(404);
        if (auth !== a.agent) expect((await req("DELETE", `${base}/${bId}`, auth)).status).toBe(404);
        const listed = await req("GET", `${base}?q=Secret`, auth);
        expect(listed.body.data).toEqual([]);
        const all = await req("GET", `${base}?limit=200`, auth);
        expect(all.body.data.map((c: { name: string }) => c.name)).toEqual(["Mine A"]);
      }
      expect((await req("GET", "/api/contacts/tags", auth)).body.data.map((t: { tag: string }) => t.tag)).not.toContain("b-only");
    }
    for (const auth of [a.owner, a.apiKey]) {
      const csv = await req("GET", "/api/contacts/export", auth);
      expect(csv.status).toBe(200);
      expect(csv.text).toContain("Mine A");
      expect(csv.text).not.toContain("Secret B");
      expect(csv.text).not.toContain("919876511111");
    }

    // A's own contact with B's number is A's; B's contact is untouched by all of the above.
    const mine = await req("POST", "/api/v1/contacts", a.apiKey, { phone: "9876511111", name: "A's copy" });
    expect(mine.status).toBe(201);
    expect(mine.body.data.id).not.toBe(bId);
    const bNow = await req("GET", `/api/contacts/${bId}`, b.owner);
    expect(bNow.body.data).toMatchObject({ name: "Secret B", tags: ["b-only"] });

    // The index-assisted search function answers only about the caller's own organizations.
    const leaked = await withTenant(a.claims, (db) =>
      db.query("select id from private.contact_page_ids($1, '%Secret%', null, null, null, null, null, null, 50)", [b.orgId]),
    );
    expect(leaked.rows).toEqual([]);
    const own = await withTenant(b.claims, (db) =>
      db.query("select id from private.contact_page_ids($1, '%Secret%', null, null, null, null, null, null, 50)", [b.orgId]),
    );
    expect(own.rows).toEqual([{ id: bId }]);

    // The org never comes from the body.
    const sneaky = await req("POST", "/api/v1/contacts", a.apiKey, { phone: "9876533333", org_id: b.orgId });
    expect(sneaky.status).toBe(400);
  });
});
