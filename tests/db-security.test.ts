import { randomUUID } from "node:crypto";
import type pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { closePools, getPool } from "../lib/db/pool";
import { withService } from "../lib/db/tx";
import { credit } from "../lib/wallet/wallet";
import { makeOrg } from "./helpers/factories";

// Database security lints, read from the system catalog of the freshly migrated test database, so
// they cover every object a later migration adds. Each lint is a query returning the offending
// objects (empty = clean), and each has a control that builds a violating object inside a
// transaction that is rolled back, to show the lint would catch it.

afterAll(closePools);

type Client = pg.PoolClient;

/** Runs fn on one connection as the migrating role (the owner), inside a transaction always rolled back. */
async function rolledBack<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const c = await getPool().connect();
  try {
    await c.query("begin");
    return await fn(c);
  } finally {
    await c.query("rollback").catch(() => undefined);
    c.release();
  }
}

async function names(c: Client | pg.Pool, sql: string, params: unknown[] = []): Promise<string[]> {
  const { rows } = await c.query<{ name: string }>(sql, params);
  return rows.map((r) => r.name).sort();
}

const db = () => getPool();

// ---------------------------------------------------------------------------------------------
// The lints

const TABLES = `c.relkind in ('r', 'p')`;

const lint = {
  tablesWithoutRls: (c: Client | pg.Pool) =>
    names(
      c,
      `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and ${TABLES} and not c.relrowsecurity`,
    ),

  tenantTablesWithoutPolicy: (c: Client | pg.Pool) =>
    names(
      c,
      `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and ${TABLES}
          and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'org_id' and not a.attisdropped)
          and not exists (select 1 from pg_policy p where p.polrelid = c.oid)`,
    ),

  /** Policies that apply to anon or to PUBLIC (oid 0, which includes anon). */
  policiesForAnonOrPublic: (c: Client | pg.Pool) =>
    names(
      c,
      `select c.relname || '.' || p.polname as name
         from pg_policy p join pg_class c on c.oid = p.polrelid join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public'
          and (0::oid = any (p.polroles) or (select oid from pg_roles where rolname = 'anon') = any (p.polroles))`,
    ),

  /** A permissive tenant-table policy whose USING is simply true lets every signed-in user see every tenant. */
  unconditionalTenantPolicies: (c: Client | pg.Pool) =>
    names(
      c,
      `select c.relname || '.' || p.polname as name
         from pg_policy p join pg_class c on c.oid = p.polrelid join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and p.polpermissive
          and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'org_id' and not a.attisdropped)
          and (lower(btrim(pg_get_expr(p.polqual, p.polrelid))) = 'true'
               or lower(btrim(pg_get_expr(p.polwithcheck, p.polrelid))) = 'true')`,
    ),

  tablesAnonCanTouch: (c: Client | pg.Pool) =>
    names(
      c,
      `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm', 'f')
          and (has_table_privilege('anon', c.oid, 'select, insert, update, delete, truncate, references, trigger')
               or has_any_column_privilege('anon', c.oid, 'select, insert, update, references'))`,
    ),

  updatePoliciesWithoutCheck: (c: Client | pg.Pool) =>
    names(
      c,
      `select c.relname || '.' || p.polname as name
         from pg_policy p join pg_class c on c.oid = p.polrelid join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and p.polcmd in ('w', '*') and p.polwithcheck is null`,
    ),

  viewsWithoutSecurityInvoker: (c: Client | pg.Pool) =>
    names(
      c,
      `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind = 'v'
          and not coalesce(c.reloptions && array['security_invoker=true', 'security_invoker=on',
                                                 'security_invoker=1', 'security_invoker=yes'], false)`,
    ),

  /** Materialized views ignore RLS entirely, so the API roles must not read them. */
  materializedViewsReadable: (c: Client | pg.Pool) =>
    names(
      c,
      `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind = 'm'
          and (has_table_privilege('anon', c.oid, 'select') or has_table_privilege('authenticated', c.oid, 'select'))`,
    ),

  definerWithoutSearchPath: (c: Client | pg.Pool) =>
    names(
      c,
      `select p.oid::regprocedure::text as name from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname in ('public', 'private') and p.prosecdef
          and not exists (select 1 from unnest(coalesce(p.proconfig, '{}')) s where s like 'search_path=%')`,
    ),

  definerExecutableBy: (c: Client | pg.Pool, role: string) =>
    names(
      c,
      `select p.oid::regprocedure::text as name from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname in ('public', 'private') and p.prosecdef and has_function_privilege($1, p.oid, 'execute')`,
      [role],
    ),
};

/**
 * Security definer functions a signed-in user may call, each with why that is safe. Adding a
 * function here is a reviewed decision, never a side effect of a migration.
 */
const DEFINER_ALLOWED_FOR_AUTHENTICATED: Record<string, string> = {
  "private.my_org_ids()": "answers only which organizations auth.uid() belongs to; used by every tenant policy",
  "private.has_org_role(uuid,text[])": "answers only whether auth.uid() holds a role in one organization; used by policies",
  "private.contact_page_ids(uuid,text,text,text,text[],boolean,timestamp with time zone,uuid,integer)":
    "returns contact ids of one organization only after checking auth.uid() is a member (lets search use indexes RLS cannot)",
};

// ---------------------------------------------------------------------------------------------

describe("row level security (catalog lints)", () => {
  it("every table in schema public has row level security enabled", async () => {
    const tables = await names(
      db(),
      `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and ${TABLES}`,
    );
    expect(tables).toEqual(expect.arrayContaining(["wallets", "wallet_transactions", "messages", "organizations"]));
    expect(await lint.tablesWithoutRls(db())).toEqual([]);
    await rolledBack(async (c) => {
      await c.query("create table public.lint_probe_no_rls (id int)");
      expect(await lint.tablesWithoutRls(c)).toContain("lint_probe_no_rls");
    });
  });

  it("every table with an org_id column has at least one policy (tenant access is decided by a written policy)", async () => {
    expect(await lint.tenantTablesWithoutPolicy(db())).toEqual([]);
    await rolledBack(async (c) => {
      await c.query("create table public.lint_probe_no_policy (org_id uuid)");
      await c.query("alter table public.lint_probe_no_policy enable row level security");
      expect(await lint.tenantTablesWithoutPolicy(c)).toContain("lint_probe_no_policy");
    });
  });

  it("no policy in public applies to anon or to PUBLIC, so a signed-out caller reaches no tenant row", async () => {
    expect(await lint.policiesForAnonOrPublic(db())).toEqual([]);
    await rolledBack(async (c) => {
      await c.query("create table public.lint_probe_anon (org_id uuid)");
      await c.query("create policy probe_public on public.lint_probe_anon for select using (true)"); // no TO: PUBLIC
      await c.query("create policy probe_anon on public.lint_probe_anon for select to anon using (true)");
      expect(await lint.policiesForAnonOrPublic(c)).toEqual(
        expect.arrayContaining(["lint_probe_anon.probe_anon", "lint_probe_anon.probe_public"]),
      );
    });
  });

  it("no permissive policy on a tenant table is unconditional (USING true / WITH CHECK true)", async () => {
    expect(await lint.unconditionalTenantPolicies(db())).toEqual([]);
    await rolledBack(async (c) => {
      await c.query("create table public.lint_probe_open (org_id uuid)");
      await c.query("create policy probe_open on public.lint_probe_open for select to authenticated using (true)");
      expect(await lint.unconditionalTenantPolicies(c)).toContain("lint_probe_open.probe_open");
    });
  });

  it("anon holds no privilege on any table or view in public", async () => {
    expect(await lint.tablesAnonCanTouch(db())).toEqual([]);
    await rolledBack(async (c) => {
      await c.query("create table public.lint_probe_grant (id int); grant select on public.lint_probe_grant to anon");
      expect(await lint.tablesAnonCanTouch(c)).toContain("lint_probe_grant");
    });
  });

  it("every UPDATE (and FOR ALL) policy states its WITH CHECK, so a row cannot be moved into another tenant", async () => {
    const updatePolicies = await names(
      db(),
      `select polname as name from pg_policy p join pg_class c on c.oid = p.polrelid
         join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and p.polcmd in ('w', '*')`,
    );
    expect(updatePolicies.length).toBeGreaterThan(0);
    expect(await lint.updatePoliciesWithoutCheck(db())).toEqual([]);
    await rolledBack(async (c) => {
      await c.query("create table public.lint_probe_upd (org_id uuid)");
      await c.query(
        "create policy probe_upd on public.lint_probe_upd for update to authenticated using (org_id in (select private.my_org_ids()))",
      );
      expect(await lint.updatePoliciesWithoutCheck(c)).toContain("lint_probe_upd.probe_upd");
    });
  });

  it("views in public (none yet) run with the caller's rights (security_invoker=true), so RLS still applies through them", async () => {
    expect(await lint.viewsWithoutSecurityInvoker(db())).toEqual([]);
    await rolledBack(async (c) => {
      await c.query("create view public.lint_probe_view as select id from public.organizations");
      await c.query(
        "create view public.lint_probe_view_ok with (security_invoker = true) as select id from public.organizations",
      );
      const found = await lint.viewsWithoutSecurityInvoker(c);
      expect(found).toContain("lint_probe_view");
      expect(found).not.toContain("lint_probe_view_ok");
    });
  });

  it("no materialized view in public (they bypass RLS) is readable by anon or authenticated", async () => {
    expect(await lint.materializedViewsReadable(db())).toEqual([]);
    await rolledBack(async (c) => {
      await c.query("create materialized view public.lint_probe_mv as select id from public.organizations with no data");
      await c.query("grant select on public.lint_probe_mv to authenticated");
      expect(await lint.materializedViewsReadable(c)).toContain("lint_probe_mv");
    });
  });
});

describe("security definer functions (catalog lints)", () => {
  it("every SECURITY DEFINER function in public and private pins its search_path", async () => {
    const definers = await lint.definerExecutableBy(db(), "service_role");
    expect(definers).toEqual(expect.arrayContaining(Object.keys(DEFINER_ALLOWED_FOR_AUTHENTICATED)));
    expect(await lint.definerWithoutSearchPath(db())).toEqual([]);
    await rolledBack(async (c) => {
      await c.query("create function private.lint_probe_definer() returns int language sql security definer as 'select 1'");
      expect(await lint.definerWithoutSearchPath(c)).toContain("private.lint_probe_definer()");
    });
  });

  it("no SECURITY DEFINER function in public or private is executable by anon", async () => {
    expect(await lint.definerExecutableBy(db(), "anon")).toEqual([]);
    await rolledBack(async (c) => {
      // Functions are executable by PUBLIC unless revoked: forgetting the revoke is the usual mistake.
      await c.query(
        "create function private.lint_probe_exec() returns int language sql security definer set search_path = '' as 'select 1'",
      );
      expect(await lint.definerExecutableBy(c, "anon")).toContain("private.lint_probe_exec()");
    });
  });

  it("SECURITY DEFINER functions executable by authenticated are exactly the reviewed allow-list", async () => {
    const executable = await lint.definerExecutableBy(db(), "authenticated");
    // Equality, not inclusion: an entry for a function that is gone or no longer granted is stale.
    expect(executable).toEqual(Object.keys(DEFINER_ALLOWED_FOR_AUTHENTICATED).sort());
  });

  it("private.wallet_* functions are executable by service_role only (not authenticated, anon or PUBLIC)", async () => {
    const { rows } = await db().query<{
      name: string;
      service_role: boolean;
      authenticated: boolean;
      anon: boolean;
      public_grant: boolean;
    }>(
      `select p.oid::regprocedure::text as name,
              has_function_privilege('service_role', p.oid, 'execute') as service_role,
              has_function_privilege('authenticated', p.oid, 'execute') as authenticated,
              has_function_privilege('anon', p.oid, 'execute') as anon,
              exists (select 1 from aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
                       where a.grantee = 0 and a.privilege_type = 'EXECUTE') as public_grant
         from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname = 'private' and p.proname like 'wallet\\_%'
        order by 1`,
    );
    expect(rows.map((r) => r.name)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^private\.wallet_debit\(/),
        expect.stringMatching(/^private\.wallet_credit\(/),
        expect.stringMatching(/^private\.wallet_refund\(/),
      ]),
    );
    for (const r of rows) {
      const { name, service_role, authenticated, anon, public_grant } = r;
      expect({ name, service_role, authenticated, anon, public_grant }).toEqual({
        name,
        service_role: true,
        authenticated: false,
        anon: false,
        public_grant: false,
      });
    }
  });

  it("a signed-in owner cannot call private.wallet_credit to mint money", async () => {
    const { orgId, asUser } = await makeOrg();
    await expect(
      asUser((c) => c.query("select * from private.wallet_credit($1, 100000, $2)", [orgId, `adj:${randomUUID()}`])),
    ).rejects.toThrow(/permission denied/);
  });
});

describe("money and channels move only through server code", () => {
  const SERVER_ONLY_TABLES = ["wallets", "wallet_transactions", "payments", "messages", "channels", "api_keys"];

  it("authenticated holds no INSERT, UPDATE, DELETE or TRUNCATE privilege (table or column) on wallets, wallet_transactions, payments, messages, channels, api_keys", async () => {
    const { rows } = await db().query<{ name: string; table_priv: boolean; column_priv: boolean }>(
      `select t as name,
              has_table_privilege('authenticated', ('public.' || t)::regclass, 'insert, update, delete, truncate') as table_priv,
              has_any_column_privilege('authenticated', ('public.' || t)::regclass, 'insert, update') as column_priv
         from unnest($1::text[]) t`,
      [SERVER_ONLY_TABLES],
    );
    expect(rows).toEqual(SERVER_ONLY_TABLES.map((name) => ({ name, table_priv: false, column_priv: false })));
  });

  it("a signed-in owner can neither raise their own balance nor write a ledger row", async () => {
    const { orgId, asUser } = await makeOrg();
    await expect(
      asUser((c) => c.query("update public.wallets set balance_paise = 1000000 where org_id = $1", [orgId])),
    ).rejects.toThrow(/permission denied/);
    await expect(
      asUser((c) =>
        c.query(
          `insert into public.wallet_transactions (org_id, kind, amount_paise, balance_after_paise, reference)
           values ($1, 'credit', 100, 100, $2)`,
          [orgId, `x:${randomUUID()}`],
        ),
      ),
    ).rejects.toThrow(/permission denied/);
    expect(
      (await withService((c) => c.query("select balance_paise from public.wallets where org_id = $1", [orgId]))).rows[0]
        .balance_paise,
    ).toBe(0);
  });
});

describe("the wallet ledger is append-only", () => {
  // The connecting role owns the tables (postgres here, as on Supabase); service_role is what the
  // server runs as; authenticated and anon are the API roles.
  const ROLES = [null, "service_role", "authenticated", "anon"] as const;

  async function attempt(role: string | null, claimsSub: string, sql: string, params: unknown[]): Promise<Error | null> {
    // A TRUNCATE ... CASCADE locks the ledger and every table referencing it; other test files
    // lock them in another order, so Postgres may pick this statement as a deadlock victim before
    // it reaches the trigger. A deadlock is not the answer under test: try again.
    for (let i = 0; ; i++) {
      const err = await attemptOnce(role, claimsSub, sql, params);
      if ((err as { code?: string } | null)?.code !== "40P01" || i >= 20) return err;
    }
  }

  async function attemptOnce(role: string | null, claimsSub: string, sql: string, params: unknown[]): Promise<Error | null> {
    return rolledBack(async (c) => {
      if (role) {
        await c.query("select set_config('request.jwt.claims', $1, true)", [
          JSON.stringify({ sub: claimsSub, role: "authenticated" }),
        ]);
        await c.query(`set local role ${role}`);
      }
      try {
        await c.query(sql, params);
        return null;
      } catch (err) {
        return err as Error;
      }
    });
  }

  it("UPDATE and DELETE of a ledger row raise for every role, including service_role and the table owner", async () => {
    const { orgId, user } = await makeOrg();
    await withService((c) => credit(c, { orgId, amountPaise: 500, reference: `test:${randomUUID()}` }));
    for (const role of ROLES) {
      const update = await attempt(role, user.id, "update public.wallet_transactions set amount_paise = 1 where org_id = $1", [orgId]);
      const del = await attempt(role, user.id, "delete from public.wallet_transactions where org_id = $1", [orgId]);
      expect({ role, update: update?.message, del: del?.message }).toEqual({
        role,
        update: expect.stringMatching(/append-only|permission denied/),
        del: expect.stringMatching(/append-only|permission denied/),
      });
    }
    // The owner and service_role are stopped by the trigger itself, not by a missing grant.
    const deleteRows = "delete from public.wallet_transactions where org_id = $1";
    expect((await attempt("service_role", user.id, deleteRows, [orgId]))?.message).toMatch(/append-only/);
    expect((await attempt(null, user.id, deleteRows, [orgId]))?.message).toMatch(/append-only/);
    const { rows } = await withService((c) =>
      c.query("select amount_paise from public.wallet_transactions where org_id = $1", [orgId]),
    );
    expect(rows).toEqual([{ amount_paise: 500 }]);
  });

  it("TRUNCATE of the ledger raises for every role, including service_role and the table owner", async () => {
    const { user } = await makeOrg();
    for (const role of ROLES) {
      // CASCADE, because messages reference the ledger; always inside a transaction that is rolled back.
      const err = await attempt(role, user.id, "truncate public.wallet_transactions cascade", []);
      expect({ role, error: err?.message }).toEqual({ role, error: expect.stringMatching(/append-only|permission denied/) });
    }
    expect((await attempt(null, user.id, "truncate public.wallet_transactions cascade", []))?.message).toMatch(/append-only/);
  });

  it("an organization with ledger entries cannot be deleted (its ledger would be orphaned); one without can", async () => {
    const { orgId, user } = await makeOrg();
    await withService((c) => credit(c, { orgId, amountPaise: 500, reference: `test:${randomUUID()}` }));
    for (const role of [null, "service_role"] as const) {
      const err = await attempt(role, user.id, "delete from public.organizations where id = $1", [orgId]);
      expect({ role, error: err?.message }).toEqual({ role, error: expect.stringMatching(/append-only/) });
    }
    const empty = await makeOrg();
    expect(await attempt(null, empty.user.id, "delete from public.organizations where id = $1", [empty.orgId])).toBeNull();
  });
});

describe("tenant isolation (behaviour under RLS)", () => {
  it("a signed-in user sees no other organization's rows in any table with org_id, and cannot write into another organization", async () => {
    const a = await makeOrg();
    const b = await makeOrg();
    // Give organization B rows in the tables every tenant has from day one.
    await withService(async (c) => {
      await credit(c, { orgId: b.orgId, amountPaise: 700, reference: `test:${randomUUID()}` });
      await c.query("insert into public.contacts (org_id, wa_id, name) values ($1, $2, 'B contact')", [b.orgId, `91${Date.now()}`]);
      await c.query("insert into public.notifications (org_id, kind, title) values ($1, 'test', 'B notice')", [b.orgId]);
    });
    const tenantTables = await names(
      db(),
      `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind in ('r', 'p')
          and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'org_id' and not a.attisdropped)`,
    );
    expect(tenantTables).toEqual(expect.arrayContaining(["wallets", "wallet_transactions", "contacts", "notifications"]));

    for (const table of tenantTables) {
      const visible = await a.asUser(async (c) => {
        const { rows } = await c.query<{ foreign_rows: number; own_rows: number }>(
          `select count(*) filter (where org_id is distinct from $1)::int as foreign_rows,
                  count(*) filter (where org_id = $1)::int as own_rows
             from public.${table}`,
          [a.orgId],
        );
        return rows[0];
      });
      expect({ table, foreign_rows: visible.foreign_rows }).toEqual({ table, foreign_rows: 0 });
    }
    // The check above is not vacuous: B's rows exist, and A sees its own wallet.
    for (const table of ["wallets", "wallet_transactions", "contacts", "notifications"]) {
      const { rows } = await withService((c) =>
        c.query<{ n: number }>(`select count(*)::int as n from public.${table} where org_id = $1`, [b.orgId]),
      );
      expect({ table, n: rows[0].n > 0 }).toEqual({ table, n: true });
    }
    expect(await a.asUser((c) => c.query("select org_id from public.wallets"))).toMatchObject({
      rows: [{ org_id: a.orgId }],
    });
    // Organizations themselves: A sees only its own.
    expect((await a.asUser((c) => c.query("select id from public.organizations"))).rows).toEqual([{ id: a.orgId }]);

    // Writes: inserting into B is refused by WITH CHECK; updating or deleting B's rows touches nothing.
    await expect(
      a.asUser((c) =>
        c.query("insert into public.contacts (org_id, wa_id) values ($1, $2)", [b.orgId, `91${Date.now() + 1}`]),
      ),
    ).rejects.toThrow(/row-level security/);
    const updated = await a.asUser((c) => c.query("update public.contacts set name = 'mine' where org_id = $1", [b.orgId]));
    const deleted = await a.asUser((c) => c.query("delete from public.contacts where org_id = $1", [b.orgId]));
    expect([updated.rowCount, deleted.rowCount]).toEqual([0, 0]);
    // Nor can A move its own contact into B.
    await a.asUser((c) =>
      c.query("insert into public.contacts (org_id, wa_id) values ($1, $2)", [a.orgId, `91${Date.now() + 2}`]),
    );
    await expect(
      a.asUser((c) => c.query("update public.contacts set org_id = $2 where org_id = $1", [a.orgId, b.orgId])),
    ).rejects.toThrow(/row-level security/);
  });

  it("a signed-out caller (anon) is refused every table in public", async () => {
    const tenantTables = await names(
      db(),
      `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind in ('r', 'p')`,
    );
    for (const table of tenantTables) {
      const err = await rolledBack(async (c) => {
        await c.query("set local role anon");
        return c.query(`select 1 from public.${table} limit 1`).then(
          () => null,
          (e: Error) => e,
        );
      });
      expect({ table, error: err?.message }).toEqual({ table, error: expect.stringMatching(/permission denied/) });
    }
  });
});
