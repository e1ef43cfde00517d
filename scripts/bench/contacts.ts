// npm run bench:contacts — how the contacts list, search, tag filter, export and a 50,000-row
// import behave on a large organization, through the real services under RLS (withTenant).
//
// Starts its own embedded Postgres (E2E_PG_PORT, default 54346) in .test-data/bench-contacts,
// migrates, fills one organization with --contacts contacts (plus a second, noisy organization),
// then prints the median of --runs runs per operation and the plan Postgres chose.
// Flags: --contacts 200000 --runs 7 --no-trgm (drop the trigram search indexes, to compare) --keep
import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { performance } from "node:perf_hooks";

const { values: flags } = parseArgs({
  options: {
    contacts: { type: "string", default: "200000" },
    runs: { type: "string", default: "7" },
    "pg-port": { type: "string", default: process.env.E2E_PG_PORT ?? "54346" },
    "no-trgm": { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
  },
});
const N = Number(flags.contacts);
const RUNS = Number(flags.runs);
const dataDir = path.resolve(".test-data/bench-contacts");

const { startEmbeddedPostgres } = await import("../../lib/db/embedded");
const { migrate } = await import("../../lib/db/migrate");
await rm(dataDir, { recursive: true, force: true });
const pg = await startEmbeddedPostgres({ dataDir, port: Number(flags["pg-port"]), password: "bench", database: "postgres", unsafeFast: true });
process.env.DATABASE_URL = pg.url;
process.env.LOG_LEVEL = "silent";
await migrate(pg.url);
const { getPool, closePools } = await import("../../lib/db/pool");
const { withTenant, withService } = await import("../../lib/db/tx");
const { listContacts, allContacts, tagsInUse } = await import("../../lib/contacts/contacts");
const { contactsToCsv } = await import("../../lib/contacts/csv-export");
const { parseContactsCsv, planImport, commitImport } = await import("../../lib/contacts/csv-import");

const log = (s: string) => process.stdout.write(`${s}\n`);
try {
  // ---------- data ----------
  const { orgId, userId } = await withService(async (db) => {
    const u = await db.query<{ id: string }>("insert into auth.users (email) values ($1) returning id", [`bench-${randomUUID()}@x.test`]);
    const o = await db.query<{ id: string }>("insert into public.organizations (name) values ('Bench') returning id");
    const noise = await db.query<{ id: string }>("insert into public.organizations (name) values ('Noise') returning id");
    await db.query("insert into public.memberships (org_id, user_id, role) values ($1, $2, 'owner')", [o.rows[0].id, u.rows[0].id]);
    return { orgId: o.rows[0].id, userId: u.rows[0].id, noiseId: noise.rows[0].id, noise: noise.rows[0].id };
  });
  const t0 = performance.now();
  // Names from a small vocabulary (realistic repetition), tags on about half, one rare tag.
  await getPool().query(
    `insert into public.contacts (org_id, wa_id, phone_e164, name, tags, attributes, opted_out, created_at)
     select $1, '91' || (6000000000 + g * 37)::text, '+91' || (6000000000 + g * 37)::text,
            (array['Asha','Ravi','Meera','John','Priya','Arjun','Fatima','Karan','Neha','Vikram'])[1 + g % 10] || ' ' ||
            (array['Rao','Kumar','Iyer','Smith','Sharma','Mehta','Sheikh','Singh','Gupta','Patel','Reddy','Nair'])[1 + (g / 10) % 12] || ' ' || g,
            case when g % 2 = 0 then array['vip'] when g % 3 = 0 then array['pune','lead'] when g % 1000 = 7 then array['rare'] else '{}' end,
            jsonb_build_object('city', (array['Pune','Mumbai','Delhi'])[1 + g % 3]),
            g % 50 = 0,
            now() - make_interval(secs => g)
     from generate_series(1, $2::int) g`,
    [orgId, N],
  );
  await getPool().query(
    `insert into public.contacts (org_id, wa_id, name) select o.id, '91' || (7000000000 + g)::text, 'Noise ' || g
     from public.organizations o, generate_series(1, 50000) g where o.name = 'Noise'`,
  );
  if (flags["no-trgm"]) {
    await getPool().query(`drop index public.contacts_name_trgm_idx, public.contacts_profile_name_trgm_idx, public.contacts_wa_id_trgm_idx`);
  }
  await getPool().query("analyze public.contacts");
  log(`== ${N.toLocaleString("en-IN")} contacts in one org (+50,000 in another) loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s${flags["no-trgm"] ? " — WITHOUT the trigram indexes" : ""}`);

  const claims = { sub: userId, role: "authenticated" as const };
  async function measure(label: string, fn: () => Promise<unknown>, runs = RUNS) {
    await fn();
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const s = performance.now();
      await fn();
      times.push(performance.now() - s);
    }
    times.sort((a, b) => a - b);
    log(`${label.padEnd(52)} median ${times[Math.floor(times.length / 2)].toFixed(1).padStart(8)} ms   max ${times.at(-1)!.toFixed(1).padStart(8)} ms`);
  }
  const list = (q: Parameters<typeof listContacts>[2]) => withTenant(claims, (db) => listContacts(db, orgId, q));

  await measure("list: first page (50)", () => list({ limit: 50 }));
  let cursor: string | null = null;
  for (let i = 0; i < 100; i++) cursor = (await list({ limit: 200, cursor: cursor ?? undefined })).next_cursor;
  await measure("list: page after 20,000 rows (cursor)", () => list({ limit: 50, cursor: cursor ?? undefined }));
  await measure("search name 'asha rao' (common, page of 50)", () => list({ limit: 50, q: "asha rao" }));
  await measure("search name 'meera iyer 1999' (rare)", () => list({ limit: 50, q: "meera iyer 1999" }));
  await measure("search name 'zzzz' (no match)", () => list({ limit: 50, q: "zzzz" }));
  await measure("search digits '0001' (partial number)", () => list({ limit: 50, q: "0001" }));
  await measure("search full number '+91 60000 03700'", () => list({ limit: 50, q: "+91 60000 03700" }));
  await measure("tag filter 'vip' (half the contacts)", () => list({ limit: 50, tag: ["vip"] }));
  await measure("tag filter 'rare' (0.1%)", () => list({ limit: 50, tag: ["rare"] }));
  await measure("opted_out=true (2%)", () => list({ limit: 50, opted_out: true }));
  await measure("tags in use", () => withTenant(claims, (db) => tagsInUse(db, orgId)));
  await measure(
    `export all ${N.toLocaleString("en-IN")} to CSV`,
    async () => contactsToCsv(await withTenant(claims, (db) => allContacts(db, orgId, {}))),
    2,
  );

  // A 50,000-row import: half new numbers, half merges into existing contacts.
  const lines = ["phone,name,tags,city"];
  for (let i = 0; i < 50_000; i++) {
    const n = i % 2 === 0 ? 6000000000 + (i + 1) * 37 : 8000000000 + i;
    lines.push(`${n},Imported ${i},import;batch-${i % 5},Chennai`);
  }
  const csv = lines.join("\n");
  let s = performance.now();
  const parsed = parseContactsCsv(csv);
  log(`${"import: parse + normalise 50,000 rows".padEnd(52)} ${(performance.now() - s).toFixed(0).padStart(8)} ms (${(csv.length / 1e6).toFixed(1)} MB)`);
  s = performance.now();
  await withTenant(claims, (db) => planImport(db, orgId, parsed, { lock: false }));
  log(`${"import: preview against the database".padEnd(52)} ${(performance.now() - s).toFixed(0).padStart(8)} ms`);
  s = performance.now();
  const result = await withTenant(claims, (db) => commitImport(db, orgId, parseContactsCsv(csv)));
  log(`${"import: commit (one transaction)".padEnd(52)} ${(performance.now() - s).toFixed(0).padStart(8)} ms  created ${result.created}, updated ${result.updated}`);

  // What a member's search costs: the page's ids through the index-assisted function.
  const plan = await withTenant(claims, async (db) => {
    const { rows } = await db.query(
      `explain (analyze, buffers off, costs off) select id from private.contact_page_ids($1, '%zzzz%', null, null, null, null, null, null, 51)`,
      [orgId],
    );
    return rows.map((r) => r["QUERY PLAN"]).join("\n");
  });
  log("\nplan for a member's search with no match:\n" + plan);
} finally {
  await closePools();
  await pg.stop();
  if (!flags.keep) await rm(dataDir, { recursive: true, force: true });
}
