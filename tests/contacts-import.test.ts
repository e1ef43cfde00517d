import Papa from "papaparse";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closePools, getPool } from "../lib/db/pool";
import { withService } from "../lib/db/tx";
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
const postCsv = (auth: Auth, csv: string | Uint8Array, dryRun: boolean) =>
  call(server.url, "POST", `/api/contacts/import${dryRun ? "?dry_run=1" : ""}`, auth, undefined, {
    raw: csv as BodyInit,
    contentType: "text/csv",
  });
const postMultipart = (auth: Auth, csv: string, dryRun: boolean, filename = "contacts.csv") => {
  const form = new FormData();
  form.append("file", new Blob([csv], { type: "text/csv" }), filename);
  return call(server.url, "POST", `/api/contacts/import${dryRun ? "?dry_run=1" : ""}`, auth, undefined, { raw: form });
};

async function contactsOf(orgId: string) {
  return withService(async (db) => {
    const { rows } = await db.query<{
      wa_id: string;
      name: string | null;
      tags: string[];
      attributes: Record<string, unknown>;
      opted_out: boolean;
      opted_out_at: Date | null;
    }>("select wa_id, name, tags, attributes, opted_out, opted_out_at from public.contacts where org_id = $1 order by wa_id", [orgId]);
    return rows;
  });
}

// Good rows in several spellings, a bad number, a missing phone, the same person twice in
// different spellings, and two people who are already contacts (one opted out).
const CSV = [
  "Mobile,Name,Tags,City,Customer Since",
  "9876543210,Asha Rao,VIP;Pune,Pune,2021",
  "+91 91234 56789,Ravi,pune|wholesale,Mumbai,",
  "98765,Bad Number,,,",
  ",No Phone,vip,,",
  "+14155552671,John,,San Francisco,2019",
  "098765-43210,Asha R.,repeat,Pune West,",
  "9000000001,Should Not Rename,new-tag,Delhi,2020",
  "9000000002,Filled In,,Chennai,",
  '"9000000003","Quoted, With Comma","bad tag!",,',
].join("\n");

async function seedExisting(orgId: string) {
  await withService((db) =>
    db.query(
      `insert into public.contacts (org_id, wa_id, phone_e164, name, tags, attributes, opted_out, opted_out_at)
       values ($1, '919000000001', '+919000000001', 'Kept Name', '{old}', '{"City":"Old City","source":"crm"}', true, now() - interval '2 days'),
              ($1, '919000000002', '+919000000002', null, '{}', '{}', false, null)`,
      [orgId],
    ),
  );
}

describe("CSV import", () => {
  it("previews every row with a reason a person understands and writes nothing", async () => {
    const a = await orgWithAccess();
    await seedExisting(a.orgId);
    const before = await contactsOf(a.orgId);
    const r = await postCsv(a.owner, CSV, true);
    expect(r.status).toBe(200);
    expect(r.body.columns).toEqual({ phone: "Mobile", name: "Name", tags: "Tags", attributes: ["City", "Customer Since"], ignored: [] });
    expect(r.body.summary).toEqual({ rows: 9, create: 3, update: 2, merged: 1, rejected: 3 });
    const byRow = Object.fromEntries(r.body.rows.map((x: { row: number }) => [x.row, x]));
    expect(byRow[2]).toMatchObject({ status: "ok", action: "create", wa_id: "919876543210", name: "Asha Rao", tags: ["vip", "pune", "repeat"] });
    expect(byRow[2].attributes).toEqual({ City: "Pune West", "Customer Since": "2021" });
    expect(byRow[4]).toMatchObject({ status: "rejected", reason: "row 4: '98765' is not a valid phone number (too few digits)." });
    expect(byRow[5]).toMatchObject({ status: "rejected", reason: "row 5: missing phone." });
    expect(byRow[6]).toMatchObject({ status: "ok", action: "create", wa_id: "14155552671" });
    expect(byRow[7]).toMatchObject({ status: "merged", merged_into_row: 2, reason: "row 7: same number as row 2; merged into it." });
    expect(byRow[8]).toMatchObject({ status: "ok", action: "update" });
    expect(byRow[10]).toMatchObject({ status: "rejected", reason: expect.stringMatching(/^row 10: tag 'bad tag!' may only contain/) });
    expect(r.body.rejected_rows.map((x: { row: number }) => x.row)).toEqual([4, 5, 10]);
    expect(await contactsOf(a.orgId)).toEqual(before);
  });

  it("commits in one go: creates, merges into existing contacts without un-opting-out, and reports rejects", async () => {
    const a = await orgWithAccess();
    await seedExisting(a.orgId);
    const optedOutAt = (await contactsOf(a.orgId)).find((c) => c.wa_id === "919000000001")!.opted_out_at;
    const r = await postMultipart(a.owner, CSV, false);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ dry_run: false, created: 3, updated: 2, merged: 1, rejected: 3 });
    expect(r.body.rejected_rows).toEqual([
      { row: 4, phone: "98765", reason: expect.stringContaining("'98765' is not a valid phone number") },
      { row: 5, phone: "", reason: "row 5: missing phone." },
      { row: 10, phone: "9000000003", reason: expect.stringContaining("bad tag!") },
    ]);
    const rows = await contactsOf(a.orgId);
    expect(rows.map((c) => c.wa_id)).toEqual(["14155552671", "919000000001", "919000000002", "919123456789", "919876543210"]);
    const by = Object.fromEntries(rows.map((c) => [c.wa_id, c]));
    expect(by["919876543210"]).toMatchObject({ name: "Asha Rao", tags: ["vip", "pune", "repeat"], opted_out: false });
    // Existing, opted out: still opted out at the same time, name kept, tags unioned, attributes merged.
    expect(by["919000000001"]).toMatchObject({
      name: "Kept Name",
      tags: ["old", "new-tag"],
      attributes: { City: "Delhi", source: "crm", "Customer Since": "2020" },
      opted_out: true,
      opted_out_at: optedOutAt,
    });
    // Existing without a name: filled in.
    expect(by["919000000002"]).toMatchObject({ name: "Filled In", attributes: { City: "Chennai" } });

    // Importing the same file again creates nothing new.
    const again = await postCsv(a.owner, CSV, false);
    expect(again.body).toMatchObject({ created: 0, updated: 5, rejected: 3 });
    expect(await contactsOf(a.orgId)).toHaveLength(5);
  });

  it("refuses a malformed CSV with a clear 400 and writes nothing", async () => {
    const a = await orgWithAccess();
    const cases: Array<[string, RegExp]> = [
      ['phone,name\n9876543210,"Asha\n9123456789,Ravi\n', /not valid CSV: a quoted cell is never closed/],
      ["name,city\nAsha,Pune\n", /no phone column.*found: 'name', 'city'/],
      ["phone,name\n", /header row but no contacts/],
      ["\n\n", /empty/],
    ];
    for (const [csv, message] of cases) {
      const r = await postCsv(a.owner, csv, false);
      expect(r.status, csv).toBe(400);
      expect(r.body.error.message).toMatch(message);
    }
    const binary = await postCsv(a.owner, new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 1, 2]), false);
    expect(binary.status).toBe(400);
    expect(binary.body.error.message).toMatch(/not a CSV text file/);
    const form = new FormData();
    form.append("other", "x");
    const noFile = await call(server.url, "POST", "/api/contacts/import", a.owner, undefined, { raw: form });
    expect(noFile.status).toBe(400);
    expect(noFile.body.error.code).toBe("missing_file");
    const json = await req("POST", "/api/contacts/import", a.owner, { phone: "1" });
    expect(json.status).toBe(415);
    expect(await contactsOf(a.orgId)).toEqual([]);
  });

  it("rolls back the whole import when any part of it fails", async () => {
    const a = await orgWithAccess();
    // 12,000 good rows make three insert batches; a trigger (created as the database owner)
    // makes the last one fail in the database, for this organization only.
    await getPool().query(`create function public.test_fail_import() returns trigger language plpgsql as $$
        begin if new.wa_id = '919800011999' and new.org_id = '${a.orgId}' then raise exception 'boom'; end if; return new; end $$;
        create trigger test_fail_import before insert on public.contacts for each row execute function public.test_fail_import();`);
    try {
      const lines = ["phone"];
      for (let i = 0; i < 12_000; i++) lines.push(`98000${String(i).padStart(5, "0")}`);
      const r = await postCsv(a.owner, lines.join("\n"), false);
      expect(r.status).toBe(500);
      expect(await contactsOf(a.orgId)).toEqual([]);
    } finally {
      await getPool().query("drop trigger test_fail_import on public.contacts; drop function public.test_fail_import()");
    }
  });

  it("enforces the size limits: 413 over 5 MB, 400 over 50,000 rows", async () => {
    const a = await orgWithAccess();
    const big = "phone,notes\n" + `9876543210,${"x".repeat(1000)}\n`.repeat(5300);
    const body = await postCsv(a.owner, big, true);
    expect(body.status).toBe(413);
    expect(body.body.error.message).toMatch(/larger than 5 MB/);
    const multi = await postMultipart(a.owner, big, true);
    expect(multi.status).toBe(413);

    const lines = ["phone"];
    for (let i = 0; i < 50_001; i++) lines.push(`98${String(i).padStart(8, "0")}`);
    const many = await postCsv(a.owner, lines.join("\n"), true);
    expect(many.status).toBe(400);
    expect(many.body.error).toMatchObject({ code: "too_many_rows", message: expect.stringMatching(/more than 50,000 rows/) });
    expect(await contactsOf(a.orgId)).toEqual([]);
  });

  it("reads Excel's Windows-1252 CSV, semicolon-separated files and a wa_id column", async () => {
    const a = await orgWithAccess();
    const latin = Uint8Array.from(Buffer.from("phone,name\n9876543210,Jos\xe9\n", "latin1"));
    const r = await postCsv(a.owner, latin, true);
    expect(r.status).toBe(200);
    expect(r.body.encoding).toBe("windows-1252");
    expect(r.body.rows[0].name).toBe("José");

    const semi = await postCsv(a.owner, "WA_ID;Name;Tags\n14155552671;John;a|b\n", true);
    expect(semi.body.rows[0]).toMatchObject({ status: "ok", wa_id: "14155552671", tags: ["a", "b"] });
  });
});

describe("CSV export", () => {
  it("exports with a filename, escapes formulas, and re-imports into another org unchanged", async () => {
    const a = await orgWithAccess();
    await req("POST", "/api/contacts", a.owner, {
      phone: "9876543210",
      name: "=HYPERLINK(\"http://evil\",\"click\")",
      tags: ["vip", "pune"],
      attributes: { note: "@SUM(A1:A2)", balance: "-42", plus: "+1 more", quote: 'She said "hi", then left' },
    });
    await req("POST", "/api/contacts", a.owner, { phone: "+14155552671", name: "John", opted_out: true });

    const r = await req("GET", "/api/contacts/export", a.owner);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(r.headers.get("content-disposition")).toMatch(/^attachment; filename="contacts-\d{4}-\d\d-\d\d\.csv"$/);
    const lines = r.text.replace(/^\uFEFF/, "").split("\r\n");
    expect(lines[0]).toBe("phone,wa_id,name,profile_name,tags,opted_out,opted_out_at,last_inbound_at,created_at,balance,note,plus,quote");
    const asha = lines.find((l) => l.includes("919876543210"))!;
    // Every dangerous cell starts with a quote character inside its CSV quotes.
    expect(asha).toContain(`"'=HYPERLINK(""http://evil"",""click"")"`);
    expect(asha).toContain(`"'@SUM(A1:A2)"`);
    expect(asha).toContain(`"'-42"`);
    expect(asha).toContain(`"'+1 more"`);
    expect(asha).toContain(`"'+919876543210"`);
    expect(asha).toContain(`"She said ""hi"", then left"`);
    const parsed = Papa.parse<string[]>(r.text.replace(/^\uFEFF/, ""), { skipEmptyLines: true }).data;
    expect(parsed.every((row) => row.every((cell) => !/^[=+\-@]/.test(cell)))).toBe(true);

    const filtered = await req("GET", "/api/contacts/export?opted_out=true", a.apiKey);
    expect(filtered.text).toContain("John");
    expect(filtered.text).not.toContain("HYPERLINK");

    // Round trip into another organization.
    const c = await orgWithAccess();
    const imported = await postCsv(c.owner, r.text, false);
    expect(imported.status).toBe(200);
    expect(imported.body).toMatchObject({ created: 2, updated: 0, rejected: 0 });
    const before = await contactsOf(a.orgId);
    const after = await contactsOf(c.orgId);
    expect(after.map(({ wa_id, name, tags, attributes }) => ({ wa_id, name, tags, attributes }))).toEqual(
      before.map(({ wa_id, name, tags, attributes }) => ({ wa_id, name, tags, attributes })),
    );
    // Opt-out is consent, not data: an import never sets it, and says it ignored those columns.
    const preview = await postCsv(c.owner, r.text, true);
    expect(preview.body.columns.ignored).toEqual(["wa_id", "profile_name", "opted_out", "opted_out_at", "last_inbound_at", "created_at"]);
  });
});
