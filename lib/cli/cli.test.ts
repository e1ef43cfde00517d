import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseState, useIsolatedDatabase } from "../../tests/helpers/isolated-db";
import { verifyApiKey } from "../apikeys/api-keys";
import { verifyPassword } from "../auth/password";
import { getPool } from "../db/pool";
import { withService, withTenant, type JwtClaims } from "../db/tx";
import { runCli } from "./run";

// The operator CLI end to end on a real Postgres: runCli with captured stdout/stderr and the
// default connection (DATABASE_URL). This file has a database of its own so that "a failure
// writes nothing" can be checked on the whole database (other test files write in parallel).

let dropDatabase: () => Promise<void>;
beforeAll(async () => {
  dropDatabase = await useIsolatedDatabase();
});
afterAll(() => dropDatabase());

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { stdout: (t) => out.push(t), stderr: (t) => err.push(t) });
  return { code, stdout: out.join(""), stderr: err.join("") };
}

/** Runs a command with --json and returns the parsed result (asserting success). */
async function cliJson<T = Record<string, unknown>>(...argv: string[]): Promise<T> {
  const r = await cli(...argv, "--json");
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as T;
}

const email = (tag: string) => `${tag}-${randomUUID().slice(0, 8)}@example.test`;
const state = () => databaseState(getPool());
const query = <T extends Record<string, unknown>>(sql: string, params: unknown[] = []) =>
  withService(async (db) => (await db.query<T>(sql, params)).rows);

interface CreatedOrg {
  organization: { id: string; name: string; status: string; service_fee_paise: number };
  owner: { id: string; email: string; created: boolean; password_set: boolean };
}

async function newOrg(name = `Org ${randomUUID().slice(0, 6)}`, ownerEmail = email("owner")) {
  return cliJson<CreatedOrg>("create-org", "--name", name, "--owner-email", ownerEmail, "--owner-password", "owner-password-1");
}

describe("help", () => {
  it("lists every command, and each command's flags", async () => {
    const all = await cli("help");
    expect(all.code).toBe(0);
    for (const name of ["create-org", "create-api-key", "add-member", "credit", "orgs", "set-fee", "revoke-api-key", "suspend-org", "unsuspend-org", "make-operator"]) {
      expect(all.stdout).toContain(name);
    }
    const one = await cli("credit", "--help");
    expect(one.code).toBe(0);
    expect(one.stdout).toContain("--amount-paise <paise>");
    expect((await cli("--help")).stdout).toBe(all.stdout);
    const json = await cliJson<{ name: string; flags: Array<{ flag: string; required: boolean }> }>("help", "add-member");
    expect(json.flags).toContainEqual(expect.objectContaining({ flag: "--role", required: true }));
    expect(json.flags).toContainEqual(expect.objectContaining({ flag: "--password", required: false }));
  });
});

describe("create-org", () => {
  it("creates the organization, its wallet and a new owner who can sign in with the password", async () => {
    const ownerEmail = email("Owner");
    const r = await cli("create-org", "--name", "  Acme Traders ", "--owner-email", ownerEmail, "--owner-password", "owner-password-1");
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/Created organization "Acme Traders" \([0-9a-f-]{36}\)/);
    expect(r.stdout).toContain("new user created");
    const [row] = await query<{ id: string; role: string; balance_paise: number; encrypted_password: string; email: string }>(
      `select o.id, m.role, w.balance_paise, u.encrypted_password, u.email from public.organizations o
       join public.memberships m on m.org_id = o.id join auth.users u on u.id = m.user_id
       join public.wallets w on w.org_id = o.id where o.name = 'Acme Traders'`,
    );
    expect(row).toMatchObject({ role: "owner", balance_paise: 0, email: ownerEmail.toLowerCase() });
    expect(await verifyPassword(row.encrypted_password, "owner-password-1")).toBe(true);
  });

  it("--json prints the organization and the owner", async () => {
    const created = await newOrg("Json Org");
    expect(created.organization).toMatchObject({ name: "Json Org", status: "active", service_fee_paise: 20 });
    expect(created.owner).toMatchObject({ created: true, password_set: true });
    const members = await query("select user_id, role from public.memberships where org_id = $1", [created.organization.id]);
    expect(members).toEqual([{ user_id: created.owner.id, role: "owner" }]);
  });

  it("makes an existing user the owner without changing their password, and says so", async () => {
    const first = await newOrg();
    const [before] = await query<{ encrypted_password: string }>("select encrypted_password from auth.users where id = $1", [first.owner.id]);
    const r = await cli("create-org", "--name", "Second Org", "--owner-email", first.owner.email, "--owner-password", "another-password");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("existing user; their password was not changed (the password given was ignored)");
    const [after] = await query<{ encrypted_password: string }>("select encrypted_password from auth.users where id = $1", [first.owner.id]);
    expect(after.encrypted_password).toBe(before.encrypted_password);
    const json = await cliJson<CreatedOrg>("create-org", "--name", "Third Org", "--owner-email", first.owner.email);
    expect(json.owner).toEqual({ id: first.owner.id, email: first.owner.email, created: false, password_set: false });
  });
});

describe("create-api-key and revoke-api-key", () => {
  it("prints a working key once, and revoking it stops it", async () => {
    const { organization } = await newOrg();
    const r = await cli("create-api-key", "--org", organization.id, "--name", "CI");
    expect(r.code).toBe(0);
    const key = /(wak_[A-Za-z0-9_-]{8}_[A-Za-z0-9_-]{32})/.exec(r.stdout)?.[1];
    expect(key).toBeDefined();
    expect(r.stdout).toContain("not shown again");
    expect(await withService((db) => verifyApiKey(db, key!))).toMatchObject({ orgId: organization.id });

    const json = await cliJson<{ id: string; key: string; org_id: string; name: string }>("create-api-key", "--org", organization.id);
    expect(json).toMatchObject({ org_id: organization.id, name: "API key" });
    const [stored] = await query<{ name: string; key_hash: string }>("select name, key_hash from public.api_keys where id = $1", [json.id]);
    expect(stored.key_hash).not.toContain(json.key);

    const revoked = await cli("revoke-api-key", "--key-id", json.id);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain("Revoked API key");
    expect(await withService((db) => verifyApiKey(db, json.key))).toBeNull();
    const again = await cliJson<{ changed: boolean; revoked: boolean }>("revoke-api-key", "--key-id", json.id);
    expect(again).toMatchObject({ revoked: true, changed: false });
    // The other key still works.
    expect(await withService((db) => verifyApiKey(db, key!))).not.toBeNull();
  });
});

describe("set-rate-limit", () => {
  it("sets and clears a key's rate limit override, and refuses bad values and unknown keys", async () => {
    const { organization } = await newOrg();
    const key = await cliJson<{ id: string }>("create-api-key", "--org", organization.id);
    const set = await cliJson<{ rate_limit_per_second: number | null }>("set-rate-limit", "--key-id", key.id, "--per-second", "500");
    expect(set.rate_limit_per_second).toBe(500);
    expect(await query("select rate_limit_per_second from public.api_keys where id = $1", [key.id])).toEqual([{ rate_limit_per_second: 500 }]);
    const text = await cli("set-rate-limit", "--key-id", key.id, "--per-second", "default");
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("server default");
    expect(await query("select rate_limit_per_second from public.api_keys where id = $1", [key.id])).toEqual([{ rate_limit_per_second: null }]);
    const bad = await cli("set-rate-limit", "--key-id", key.id, "--per-second", "0");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/between 1 and 100000/);
    const unknown = await cli("set-rate-limit", "--key-id", randomUUID(), "--per-second", "5");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/No API key with id/);
  });
});

describe("add-member", () => {
  it("creates a new user with the role, changes an existing member's role, and never touches a password", async () => {
    const { organization } = await newOrg();
    const agentEmail = email("agent");
    const added = await cli("add-member", "--org", organization.id, "--email", agentEmail, "--password", "agent-password-1", "--role", "agent");
    expect(added.code).toBe(0);
    expect(added.stdout).toContain(`Added to "${organization.name}" as agent`);
    const [user] = await query<{ id: string; encrypted_password: string }>("select id, encrypted_password from auth.users where email = $1", [agentEmail]);
    expect(await verifyPassword(user.encrypted_password, "agent-password-1")).toBe(true);

    const changed = await cliJson<{ role: string; previous_role: string; user: { created: boolean } }>(
      "add-member", "--org", organization.id, "--email", agentEmail, "--role", "admin",
    );
    expect(changed).toMatchObject({ role: "admin", previous_role: "agent", user: { created: false } });
    const roles = await query("select role from public.memberships where org_id = $1 and user_id = $2", [organization.id, user.id]);
    expect(roles).toEqual([{ role: "admin" }]);
    const [after] = await query<{ encrypted_password: string }>("select encrypted_password from auth.users where id = $1", [user.id]);
    expect(after.encrypted_password).toBe(user.encrypted_password);
  });
});

describe("credit", () => {
  it("adds money as an adjustment with a unique adj: reference and takes it back, never below zero", async () => {
    const { organization } = await newOrg();
    const added = await cli("credit", "--org", organization.id, "--amount-paise", "50000", "--reason", "Goodwill credit");
    expect(added.code).toBe(0);
    expect(added.stdout).toContain("Credited ₹500.00");
    expect(added.stdout).toContain("Balance now ₹500.00 (50000 paise)");

    const back = await cliJson<{ balance_paise: number; amount_paise: number; reference: string }>(
      "credit", "--org", organization.id, "--amount-paise", "-2000", "--reason", "Reverse a duplicate",
    );
    expect(back).toMatchObject({ balance_paise: 48000, amount_paise: -2000 });

    const ledger = await query<{ kind: string; amount_paise: number; balance_after_paise: number; reference: string; description: string }>(
      "select kind, amount_paise, balance_after_paise, reference, description from public.wallet_transactions where org_id = $1 order by id",
      [organization.id],
    );
    expect(ledger.map((l) => [l.kind, l.amount_paise, l.balance_after_paise, l.description])).toEqual([
      ["adjustment", 50000, 50000, "Goodwill credit"],
      ["adjustment", -2000, 48000, "Reverse a duplicate"],
    ]);
    for (const l of ledger) expect(l.reference).toMatch(/^adj:[0-9a-f-]{36}$/);
    expect(ledger[1].reference).toBe(back.reference);

    const before = await state();
    const refused = await cli("credit", "--org", organization.id, "--amount-paise", "-48001", "--reason", "Too much");
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toMatch(/below zero/);
    expect(await state()).toEqual(before);
    const json = await cli("credit", "--org", organization.id, "--amount-paise", "-48001", "--reason", "Too much", "--json");
    expect(JSON.parse(json.stderr)).toEqual({ error: { code: "insufficient_funds", message: expect.stringMatching(/below zero/) } });

    const all = await cliJson<{ balance_paise: number }>("credit", "--org", organization.id, "--amount-paise=-48000", "--reason", "Close the wallet");
    expect(all.balance_paise).toBe(0);
  });
});

describe("orgs, set-fee, suspend-org, unsuspend-org", () => {
  it("lists organizations with balance in paise and rupees and the fee, and changes fee and status", async () => {
    const { organization } = await newOrg("Listed Org");
    await cliJson("credit", "--org", organization.id, "--amount-paise", "123456", "--reason", "Opening balance");

    const fee = await cli("set-fee", "--org", organization.id, "--paise", "35");
    expect(fee.code).toBe(0);
    expect(fee.stdout).toContain("₹0.20 -> ₹0.35");
    const suspended = await cliJson<{ status: string; previous_status: string; changed: boolean }>("suspend-org", "--org", organization.id);
    expect(suspended).toMatchObject({ status: "suspended", previous_status: "active", changed: true });
    const again = await cli("suspend-org", "--org", organization.id);
    expect(again.stdout).toContain("already suspended");

    const text = await cli("orgs");
    expect(text.code).toBe(0);
    const line = text.stdout.split("\n").find((l) => l.includes(organization.id));
    expect(line).toMatch(/Listed Org\s+suspended\s+123456\s+₹1,234\.56\s+35$/);
    const json = await cliJson<{ organizations: Array<Record<string, unknown>> }>("orgs");
    expect(json.organizations.find((o) => o.id === organization.id)).toMatchObject({
      name: "Listed Org",
      status: "suspended",
      balance_paise: 123456,
      balance: "₹1,234.56",
      service_fee_paise: 35,
    });

    const back = await cliJson<{ status: string; changed: boolean }>("unsuspend-org", "--org", organization.id);
    expect(back).toMatchObject({ status: "active", changed: true });
    const [row] = await query("select status, service_fee_paise from public.organizations where id = $1", [organization.id]);
    expect(row).toEqual({ status: "active", service_fee_paise: 35 });
  });
});

describe("make-operator", () => {
  it("makes an existing user an operator once, and can create the user with a password", async () => {
    const { owner } = await newOrg();
    const r = await cli("make-operator", "--email", owner.email.toUpperCase());
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("is now a platform operator");
    expect(await query("select user_id from public.platform_admins where user_id = $1", [owner.id])).toHaveLength(1);
    expect((await cliJson<{ changed: boolean }>("make-operator", "--email", owner.email)).changed).toBe(false);

    const opEmail = email("operator");
    const created = await cliJson<{ user: { id: string; created: boolean } }>("make-operator", "--email", opEmail, "--password", "operator-pass-1");
    expect(created.user.created).toBe(true);
    expect(await query("select 1 from public.platform_admins where user_id = $1", [created.user.id])).toHaveLength(1);
  });
});

describe("bad input writes nothing and exits non-zero with a message", () => {
  let orgId: string;
  let ownerEmail: string;
  beforeAll(async () => {
    const created = await newOrg();
    orgId = created.organization.id;
    ownerEmail = created.owner.email;
    await cliJson("credit", "--org", orgId, "--amount-paise", "1000", "--reason", "Some money");
  });
  const unknownOrg = "0b5c6d1e-2f3a-4b5c-8d9e-0f1a2b3c4d5e";
  const pw = "long-enough-1";

  const cases: Array<[string, () => string[], number, RegExp]> = [
    ["no command", () => [], 2, /No command given/],
    ["unknown command", () => ["create-organisation", "--name", "X"], 2, /Unknown command "create-organisation"/],
    ["unknown flag", () => ["orgs", "--all"], 2, /Unknown flag --all/],
    ["stray positional argument", () => ["set-fee", orgId, "--paise", "5"], 2, /Unexpected argument/],
    ["flag without its value", () => ["set-fee", "--org", orgId, "--paise"], 2, /--paise needs a value/],
    ["missing flags", () => ["create-org", "--name", "Nameless"], 2, /--owner-email is required/],
    ["missing --role", () => ["add-member", "--org", orgId, "--email", email("m"), "--password", pw], 2, /--role is required/],
    ["malformed uuid", () => ["set-fee", "--org", "not-a-uuid", "--paise", "5"], 2, /--org: must be a UUID/],
    ["malformed email", () => ["create-org", "--name", "Bad Email", "--owner-email", "owner@", "--owner-password", pw], 2, /--owner-email: must be an email/],
    ["decimal paise", () => ["credit", "--org", orgId, "--amount-paise", "10.5", "--reason", "Decimal"], 2, /--amount-paise: must be a whole number of paise/],
    ["paise in exponent form", () => ["set-fee", "--org", orgId, "--paise", "2e1"], 2, /--paise: must be a whole number/],
    ["non-numeric paise", () => ["credit", "--org", orgId, "--amount-paise", "ten", "--reason", "Words"], 2, /whole number of paise/],
    ["zero credit", () => ["credit", "--org", orgId, "--amount-paise", "0", "--reason", "Nothing"], 2, /cannot be zero/],
    ["negative fee", () => ["set-fee", "--org", orgId, "--paise", "-1"], 2, /--paise: must be a whole number of paise \(0 or more\)/],
    ["short password", () => ["create-org", "--name", "Short Pw", "--owner-email", email("o"), "--owner-password", "short"], 2, /--owner-password: must be at least 8 characters/],
    ["bad role", () => ["add-member", "--org", orgId, "--email", email("m"), "--password", pw, "--role", "boss"], 2, /--role: must be one of owner, admin, agent/],
    ["new user without a password", () => ["add-member", "--org", orgId, "--email", email("m"), "--role", "agent"], 2, /give --password/],
    ["new owner without a password", () => ["create-org", "--name", "No Pw", "--owner-email", email("o")], 2, /give --owner-password/],
    ["too short an org name", () => ["create-org", "--name", "A", "--owner-email", ownerEmail], 2, /--name: Organization name must be at least 2/],
    ["unknown org: create-api-key", () => ["create-api-key", "--org", unknownOrg], 1, /No organization with id/],
    ["unknown org: add-member", () => ["add-member", "--org", unknownOrg, "--email", email("m"), "--password", pw, "--role", "agent"], 1, /No organization with id/],
    ["unknown org: credit", () => ["credit", "--org", unknownOrg, "--amount-paise", "100", "--reason", "Lost money"], 1, /No organization with id/],
    ["unknown org: set-fee", () => ["set-fee", "--org", unknownOrg, "--paise", "5"], 1, /No organization with id/],
    ["unknown org: suspend-org", () => ["suspend-org", "--org", unknownOrg], 1, /No organization with id/],
    ["unknown api key", () => ["revoke-api-key", "--key-id", unknownOrg], 1, /No API key with id/],
    ["unknown operator user", () => ["make-operator", "--email", email("nobody")], 1, /No user with email/],
    ["credit below zero", () => ["credit", "--org", orgId, "--amount-paise", "-1001", "--reason", "Too much back"], 1, /below zero/],
  ];

  it.each(cases)("%s", async (_label, argv, exitCode, message) => {
    const before = await state();
    const text = await cli(...argv());
    expect(text.code).toBe(exitCode);
    expect(text.stdout).toBe("");
    expect(text.stderr).toMatch(message);
    if (exitCode === 2) expect(text.stderr).toMatch(/Usage:|help/);

    const json = await cli(...argv(), "--json");
    expect(json.code).toBe(exitCode);
    expect(json.stdout).toBe("");
    const parsed = JSON.parse(json.stderr) as { error: { code: string; message: string } };
    expect(parsed.error.message).toMatch(message);
    expect(parsed.error.code).toMatch(exitCode === 2 ? /^usage$/ : /^[a-z_]+$/);

    expect(await state()).toEqual(before);
  });
});

describe("the CLI-created team under RLS", () => {
  it("a second member sees exactly the owner's organization data, and another organization's user sees none of it", async () => {
    const team = await newOrg("Shared Org");
    const orgId = team.organization.id;
    const agentEmail = email("agent");
    const member = await cliJson<{ user: { id: string } }>("add-member", "--org", orgId, "--email", agentEmail, "--password", "agent-password-1", "--role", "agent");
    await cliJson("credit", "--org", orgId, "--amount-paise", "25000", "--reason", "Opening balance");
    await withService((db) => db.query("insert into public.contacts (org_id, wa_id, name) values ($1, '919800000001', 'Asha')", [orgId]));
    const other = await newOrg("Other Org");

    const claims = (sub: string, mail: string): JwtClaims => ({ sub, role: "authenticated", email: mail });
    const view = (c: JwtClaims) =>
      withTenant(c, async (db) => {
        const q = async (sql: string) => (await db.query(sql)).rows;
        return {
          organizations: await q("select id, name from public.organizations order by id"),
          wallets: await q("select org_id, balance_paise from public.wallets order by org_id"),
          ledger: await q("select org_id, kind, amount_paise from public.wallet_transactions order by id"),
          members: await q("select org_id, user_id, role from public.memberships order by user_id"),
          contacts: await q("select org_id, wa_id, name from public.contacts order by id"),
        };
      });

    const asOwner = await view(claims(team.owner.id, team.owner.email));
    const asMember = await view(claims(member.user.id, agentEmail));
    expect(asMember).toEqual(asOwner);
    expect(asOwner.organizations).toEqual([{ id: orgId, name: "Shared Org" }]);
    expect(asOwner.wallets).toEqual([{ org_id: orgId, balance_paise: 25000 }]);
    expect(asOwner.ledger).toEqual([{ org_id: orgId, kind: "adjustment", amount_paise: 25000 }]);
    expect(asOwner.members).toHaveLength(2);
    expect(asOwner.contacts).toEqual([{ org_id: orgId, wa_id: "919800000001", name: "Asha" }]);

    const asOther = await view(claims(other.owner.id, other.owner.email));
    for (const rows of Object.values(asOther)) {
      expect(rows.every((r) => r.org_id !== orgId && r.id !== orgId)).toBe(true);
    }
    expect(asOther.organizations).toEqual([{ id: other.organization.id, name: "Other Org" }]);
    expect(asOther.contacts).toEqual([]);
  });
});
