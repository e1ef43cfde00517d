import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { closePools, getPool } from "../lib/db/pool";
import { withService, withTenant, type Db, type JwtClaims } from "../lib/db/tx";
import { makeOrg, makeUser } from "./helpers/factories";
import { useIsolatedDatabase } from "./helpers/isolated-db";

// Tenant isolation, table by table, under the real mechanism (withTenant: role authenticated with
// the user's JWT claims, RLS deciding). The tables come from the catalog: every table in public
// with an org_id column, plus organizations (keyed by id). Each must have a fixture below that
// gives an organization at least one row; a table without one fails this file, so a new tenant
// table cannot be added without being covered here. Tables without org_id are listed in
// USER_TABLES with their own checks, and every other table fails too.

// The rows are seeded and compared in a database of this file's own: sweeps that other test files
// run across the shared database meanwhile (payment reconciliation, send retries, webhook
// processing, analytics roll-ups) would otherwise change B's rows between "before" and "after".
let dropDatabase: () => Promise<void> = closePools;
afterAll(() => dropDatabase());

interface FixtureCtx {
  orgId: string;
  /** A user the row may point at (membership, created_by). When attacking, the attacker's own id. */
  userId: string;
  /** Unique per call, for columns with unique constraints. */
  tag: string;
}

interface Fixture {
  /** Inserts at least one row for ctx.orgId; returns the rows written. */
  seed(db: Db, ctx: FixtureCtx): Promise<number>;
  /** The insert an attacker tries against another organization; defaults to seed. */
  attack?(db: Db, ctx: FixtureCtx): Promise<number>;
  /** Rows a background job legitimately consumes (the analytics fold empties the delta log for
   * every organization, and other test files run folds): seeded again right before each test. */
  consumed?: boolean;
}

const insert = (sql: string, params: (ctx: FixtureCtx) => unknown[]) => async (db: Db, ctx: FixtureCtx) =>
  (await db.query(sql, params(ctx))).rowCount ?? 0;

/** One entry per tenant table. A new table with org_id needs one here. */
const FIXTURES: Record<string, Fixture> = {
  // Created by makeOrg; the attack tries to create B's row itself.
  organizations: {
    seed: insert("insert into public.organizations (id, name) values ($1, 'Fixture org') on conflict (id) do nothing", (c) => [c.orgId]),
  },
  memberships: {
    // The attack is the escalation that matters: A's user joining B as owner.
    seed: insert("insert into public.memberships (org_id, user_id, role) values ($1, $2, 'owner')", (c) => [c.orgId, c.userId]),
  },
  // Created by trigger with the organization.
  wallets: {
    seed: insert("insert into public.wallets (org_id) values ($1) on conflict (org_id) do nothing", (c) => [c.orgId]),
  },
  wallet_transactions: {
    seed: async (db, c) => {
      const { rows } = await db.query<{ status: string }>("select status from private.wallet_credit($1, 1000, $2)", [c.orgId, `rls:${c.tag}`]);
      return rows[0].status === "applied" ? 1 : 0;
    },
    attack: insert(
      `insert into public.wallet_transactions (org_id, kind, amount_paise, balance_after_paise, reference)
       values ($1, 'credit', 100000, 100000, $2)`,
      (c) => [c.orgId, `rls:${c.tag}`],
    ),
  },
  api_keys: {
    seed: insert("insert into public.api_keys (org_id, name, prefix, key_hash) values ($1, 'Fixture key', $2, $3)", (c) => [
      c.orgId,
      `wak_${c.tag.slice(0, 8)}`,
      `hash-${c.tag}`,
    ]),
  },
  channels: {
    seed: insert(
      "insert into public.channels (org_id, phone_number_id, waba_id, display_phone_number) values ($1, $2, 'waba-fixture', '+91 90000 00000')",
      (c) => [c.orgId, `pn-${c.tag}`],
    ),
  },
  contacts: {
    seed: insert("insert into public.contacts (org_id, wa_id, name) values ($1, $2, 'Fixture contact')", (c) => [c.orgId, `91${c.tag}`]),
  },
  messages: {
    seed: insert(
      "insert into public.messages (org_id, direction, type, status, text) values ($1, 'outbound', 'text', 'pending', 'fixture')",
      (c) => [c.orgId],
    ),
  },
  conversations: {
    // Written by the messages trigger: a contact's first message opens its conversation.
    seed: insert(
      `with k as (insert into public.contacts (org_id, wa_id, name) values ($1, $2, 'Conversation fixture') returning id, org_id)
       insert into public.messages (org_id, contact_id, direction, type, status, text) select org_id, id, 'inbound', 'text', 'received', 'hi' from k`,
      (c) => [c.orgId, `92${c.tag}`],
    ),
  },
  automation_rules: {
    seed: insert(
      "insert into public.automation_rules (org_id, name, match_type, keyword, reply_text) values ($1, 'Fixture', 'exact', 'hi', 'hello')",
      (c) => [c.orgId],
    ),
  },
  campaigns: {
    seed: insert(
      `insert into public.campaigns (org_id, name, template_name, template_language, audience) values ($1, $2, 'fixture', 'en_US', '{"type":"all"}')`,
      (c) => [c.orgId, `Fixture ${c.tag}`],
    ),
  },
  campaign_recipients: {
    seed: insert(
      `with c as (insert into public.campaigns (org_id, name, template_name, template_language, audience)
                  values ($1, $2, 'fixture', 'en_US', '{"type":"all"}') returning id)
       insert into public.campaign_recipients (campaign_id, org_id, seq, wa_id, phone_e164) select c.id, $1, 1, '919800000001', '+919800000001' from c`,
      (c) => [c.orgId, `Fixture ${c.tag}`],
    ),
  },
  message_templates: {
    seed: insert(
      "insert into public.message_templates (org_id, waba_id, name, language, category) values ($1, 'waba-fixture', $2, 'en_US', 'UTILITY')",
      (c) => [c.orgId, `fixture_${c.tag}`],
    ),
  },
  payments: {
    seed: insert("insert into public.payments (org_id, mode, order_id, amount_paise) values ($1, 'sandbox', $2, 1000)", (c) => [
      c.orgId,
      `order_${c.tag}`,
    ]),
  },
  webhook_events: {
    seed: insert("insert into public.webhook_events (source, event_id, org_id, payload) values ('meta', $2, $1, '{}')", (c) => [
      c.orgId,
      `evt-${c.tag}`,
    ]),
  },
  notifications: {
    seed: insert("insert into public.notifications (org_id, kind, title) values ($1, 'fixture', 'Fixture notice')", (c) => [c.orgId]),
  },
  webhook_endpoints: {
    seed: insert(
      "insert into public.webhook_endpoints (org_id, url, events, secret_encrypted) values ($1, $2, '{message.status}', 'v1.fixture')",
      (c) => [c.orgId, `https://${c.tag}.example.com/hook`],
    ),
  },
  webhook_deliveries: {
    seed: insert(
      `with e as (
         insert into public.webhook_endpoints (org_id, url, events, secret_encrypted)
         values ($1, 'https://fixture.example.com/hook', '{message.status}', 'v1.fixture') returning id, org_id)
       insert into public.webhook_deliveries (org_id, endpoint_id, event_id, event_type, payload)
       select org_id, id, $2, 'message.status', '{}' from e`,
      (c) => [c.orgId, `evt-${c.tag}`],
    ),
  },
  // The analytics rollup (written by the messages trigger and the fold job; tenants only read).
  message_stats_daily: {
    seed: insert(
      "insert into public.message_stats_daily (org_id, day, sent, fees_paise) values ($1, '2024-01-01', 1, 20)",
      (c) => [c.orgId],
    ),
  },
  message_stats_delta: {
    consumed: true,
    seed: insert(
      `insert into public.message_stats_delta (org_id, day, pending, sent, delivered, read, failed, inbound, fees_paise)
       values ($1, '2024-01-01', 0, 1, 0, 0, 0, 0, 20)`,
      (c) => [c.orgId],
    ),
  },
  invitations: {
    seed: insert("insert into public.invitations (org_id, email, role, token_hash) values ($1, $2, 'agent', $3)", (c) => [
      c.orgId,
      `invitee-${c.tag}@example.test`,
      `token-${c.tag}`,
    ]),
  },
};

/** Tables without org_id: rows belong to a user, not an organization. Each has its own check below. */
const USER_TABLES = ["profiles", "platform_admins"];

// ---- The catalog.

interface TableInfo {
  name: string;
  rls: boolean;
  /** The column that says which organization a row belongs to (null: not a tenant table). */
  orgColumn: string | null;
  /** A column authenticated may update, if any: updating it is the real test of the UPDATE policy. */
  updatable: string | null;
}

async function discoverTables(): Promise<TableInfo[]> {
  const { rows } = await getPool().query<{ name: string; rls: boolean; has_org_id: boolean; updatable: string | null }>(
    `select c.relname as name, c.relrowsecurity as rls,
            exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'org_id' and not a.attisdropped) as has_org_id,
            (select a.attname from pg_attribute a
              where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
                and has_column_privilege('authenticated', c.oid, a.attnum, 'UPDATE')
              order by a.attnum limit 1) as updatable
     from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = 'public' and c.relkind in ('r', 'p') order by c.relname`,
  );
  return rows.map((r) => ({
    name: r.name,
    rls: r.rls,
    orgColumn: r.has_org_id ? "org_id" : r.name === "organizations" ? "id" : null,
    updatable: r.updatable,
  }));
}

const tables = await discoverTables();
const tenantTables = tables.filter((t) => t.orgColumn !== null);

// ---- Running SQL as someone, always rolled back: an attack that "works" must not leak into other tests.

type Outcome = { rowCount: number; rows: Record<string, unknown>[] } | { error: string; message: string };
const ROLLBACK = new Error("rollback");

async function attempt(who: JwtClaims | "anon", fn: (db: Db) => Promise<{ rowCount: number; rows?: Record<string, unknown>[] }>): Promise<Outcome> {
  let outcome: Outcome | undefined;
  const body = async (db: Db) => {
    try {
      const r = await fn(db);
      outcome = { rowCount: r.rowCount, rows: r.rows ?? [] };
    } catch (e) {
      const err = e as { code?: string; message: string };
      outcome = { error: err.code ?? "unknown", message: err.message };
    }
    throw ROLLBACK;
  };
  const run =
    who === "anon"
      ? (async () => {
          // What PostgREST does for a request without a JWT.
          const c = await getPool().connect();
          try {
            await c.query("begin");
            await c.query("select set_config('role', 'anon', true)");
            await body(c);
          } finally {
            await c.query("rollback");
            c.release();
          }
        })()
      : withTenant(who, body);
  await run.catch((e) => {
    if (e !== ROLLBACK) throw e;
  });
  return outcome!;
}

const sql = (text: string, params: unknown[] = []) => async (db: Db) => {
  const r = await db.query(text, params);
  return { rowCount: r.rowCount ?? 0, rows: r.rows };
};

/** Refused by the database: insufficient_privilege covers both a missing grant and an RLS WITH CHECK violation. */
function expectRefusedOrNoRows(table: string, what: string, outcome: Outcome) {
  if ("error" in outcome) {
    expect({ table, what, error: outcome.error }, outcome.message).toEqual({ table, what, error: "42501" });
  } else {
    expect({ table, what, rowCount: outcome.rowCount }).toEqual({ table, what, rowCount: 0 });
  }
}

/** Count and digest of one organization's rows in a table, read as service role. */
async function orgRows(table: TableInfo, orgId: string): Promise<{ n: number; digest: string }> {
  return withService(async (db) => {
    const { rows } = await db.query<{ n: number; digest: string }>(
      `select count(*)::int as n, md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as digest
       from public.${table.name} t where t.${table.orgColumn} = $1`,
      [orgId],
    );
    return rows[0];
  });
}

// ---- Two organizations with rows everywhere.

type Org = Awaited<ReturnType<typeof makeOrg>>;
let A: Org;
let B: Org;
const seeded = new Map<string, { a: number; b: number }>();

async function seedBoth(name: string, fixture: Fixture) {
  const counts = { a: 0, b: 0 };
  for (const [key, org] of [["a", A], ["b", B]] as const) {
    const member = await makeUser();
    counts[key] = await withService((db) => fixture.seed(db, { orgId: org.orgId, userId: member.id, tag: randomBytes(6).toString("hex") }));
  }
  seeded.set(name, counts);
}

beforeAll(async () => {
  dropDatabase = await useIsolatedDatabase();
  A = await makeOrg({ name: "RLS org A" });
  B = await makeOrg({ name: "RLS org B" });
  for (const t of tenantTables) {
    const fixture = FIXTURES[t.name];
    if (!fixture) continue; // reported by the table's own test
    await seedBoth(t.name, fixture);
  }
});

beforeEach(async (ctx) => {
  // describe.each names the suite after the table.
  const name = ctx.task.suite?.name;
  const fixture = name ? FIXTURES[name] : undefined;
  if (name && fixture?.consumed) await seedBoth(name, fixture);
});

describe("the catalog", () => {
  it("finds the tenant tables (so the per-table tests below are not vacuous)", () => {
    expect(tenantTables.map((t) => t.name)).toEqual(
      expect.arrayContaining(["organizations", "memberships", "wallets", "wallet_transactions", "contacts", "messages"]),
    );
  });

  it("every table in public has row level security enabled", () => {
    expect(tables.filter((t) => !t.rls).map((t) => t.name)).toEqual([]);
  });

  it("every table in public is covered: a tenant table with a fixture, or a reviewed user table", () => {
    const uncovered = tables
      .filter((t) => (t.orgColumn ? !FIXTURES[t.name] : !USER_TABLES.includes(t.name)))
      .map((t) => t.name);
    expect(uncovered, "add a fixture to FIXTURES (or a check for a user table) in tests/rls.test.ts").toEqual([]);
    // And no stale entries that would give false comfort.
    expect(Object.keys(FIXTURES).filter((name) => !tenantTables.some((t) => t.name === name))).toEqual([]);
  });
});

describe.each(tenantTables.map((t) => [t.name, t] as const))("%s", (name, table) => {
  const col = table.orgColumn!;

  it("A reads its own rows and none of B's (nor any other organization's)", async () => {
    expect(FIXTURES[name], `no fixture for ${name}: add one to FIXTURES in tests/rls.test.ts`).toBeDefined();
    // Both organizations really have rows here.
    expect((await orgRows(table, A.orgId)).n).toBeGreaterThan(0);
    expect((await orgRows(table, B.orgId)).n).toBeGreaterThan(0);
    const outcome = await attempt(
      A.claims,
      sql(
        `select count(*) filter (where ${col} = $1)::int as own, count(*) filter (where ${col} = $2)::int as b,
                count(*) filter (where ${col} is distinct from $1)::int as foreign_rows
         from public.${name}`,
        [A.orgId, B.orgId],
      ),
    );
    expect("rows" in outcome ? outcome.rows[0] : outcome).toEqual({ own: expect.any(Number), b: 0, foreign_rows: 0 });
    expect("rows" in outcome && (outcome.rows[0].own as number)).toBeGreaterThan(0);
  });

  it("A cannot update, move, delete or insert B's rows", async () => {
    expect(FIXTURES[name], `no fixture for ${name}: add one to FIXTURES in tests/rls.test.ts`).toBeDefined();
    const before = await orgRows(table, B.orgId);
    expect(before.n).toBeGreaterThan(0);
    const ownBefore = await orgRows(table, A.orgId);

    // Through a column A may update when there is one (so the UPDATE policy decides), else the org column.
    const target = table.updatable ?? col;
    expectRefusedOrNoRows(name, "update B", await attempt(A.claims, sql(`update public.${name} set ${target} = ${target} where ${col} = $1`, [B.orgId])));
    expectRefusedOrNoRows(name, "delete B", await attempt(A.claims, sql(`delete from public.${name} where ${col} = $1`, [B.orgId])));
    // Moving A's own rows into B must be refused too (WITH CHECK), not just hidden.
    expectRefusedOrNoRows(name, "move A's rows to B", await attempt(A.claims, sql(`update public.${name} set ${col} = $2 where ${col} = $1`, [A.orgId, B.orgId])));

    const fixture = FIXTURES[name];
    const attack = fixture.attack ?? fixture.seed;
    const inserted = await attempt(A.claims, async (db) => ({
      rowCount: await attack(db, { orgId: B.orgId, userId: A.user.id, tag: randomBytes(6).toString("hex") }),
    }));
    expectRefusedOrNoRows(name, "insert into B", inserted);

    // Belt and braces: B's rows and A's rows are exactly as they were.
    expect(await orgRows(table, B.orgId)).toEqual(before);
    expect(await orgRows(table, A.orgId)).toEqual(ownBefore);
  });
});

describe("user tables (no org_id)", () => {
  it("profiles: A sees its own profile and its organization's members, never B's", async () => {
    const outcome = await attempt(A.claims, sql("select user_id from public.profiles"));
    expect("rows" in outcome).toBe(true);
    const seen = "rows" in outcome ? outcome.rows.map((r) => r.user_id) : [];
    expect(seen).toContain(A.user.id);
    expect(seen).not.toContain(B.user.id);
    expectRefusedOrNoRows("profiles", "update B's profile", await attempt(A.claims, sql("update public.profiles set full_name = 'pwned' where user_id = $1", [B.user.id])));
    expectRefusedOrNoRows("profiles", "delete B's profile", await attempt(A.claims, sql("delete from public.profiles where user_id = $1", [B.user.id])));
    expectRefusedOrNoRows("profiles", "insert a profile", await attempt(A.claims, sql("insert into public.profiles (user_id, email) values ($1, 'x@example.test')", [randomUUID()])));
  });

  it("platform_admins: a tenant user can neither read the operators nor make themselves one", async () => {
    await withService((db) => db.query("insert into public.platform_admins (user_id) values ($1)", [B.user.id]));
    expectRefusedOrNoRows("platform_admins", "read", await attempt(A.claims, sql("select user_id from public.platform_admins")));
    expectRefusedOrNoRows("platform_admins", "insert self", await attempt(A.claims, sql("insert into public.platform_admins (user_id) values ($1)", [A.user.id])));
    expectRefusedOrNoRows("platform_admins", "delete", await attempt(A.claims, sql("delete from public.platform_admins where user_id = $1", [B.user.id])));
  });
});

describe("the wallet functions", () => {
  it("no private.wallet_* function is executable by authenticated or anon, and calling one as A is refused", async () => {
    const { rows } = await getPool().query<{ fn: string; authenticated: boolean; anon: boolean }>(
      `select p.oid::regprocedure::text as fn,
              has_function_privilege('authenticated', p.oid, 'execute') as authenticated,
              has_function_privilege('anon', p.oid, 'execute') as anon
       from pg_proc p join pg_namespace n on n.oid = p.pronamespace
       where n.nspname = 'private' and p.proname like 'wallet\\_%' order by 1`,
    );
    expect(rows.map((r) => r.fn)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^private\.wallet_debit\(/), expect.stringMatching(/^private\.wallet_credit\(/), expect.stringMatching(/^private\.wallet_refund\(/)]),
    );
    expect(rows.filter((r) => r.authenticated || r.anon)).toEqual([]);

    const calls = [
      sql("select * from private.wallet_credit($1, 100000, $2)", [A.orgId, `adj:${randomUUID()}`]),
      sql("select * from private.wallet_debit($1, 20, $2)", [B.orgId, `msg:${randomUUID()}`]),
      sql("select * from private.wallet_refund($1)", [`msg:${randomUUID()}`]),
    ];
    for (const call of calls) {
      const outcome = await attempt(A.claims, call);
      expect("error" in outcome ? outcome.error : outcome).toBe("42501");
    }
  });
});

describe("anon", () => {
  it.each(tables.map((t) => [t.name] as const))("reads nothing from %s", async (name) => {
    expectRefusedOrNoRows(name, "anon select", await attempt("anon", sql(`select * from public.${name}`)));
  });
});
