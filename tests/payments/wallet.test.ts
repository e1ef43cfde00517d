import { randomUUID } from "node:crypto";
import Papa from "papaparse";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resetEnvCache } from "../../lib/config/env";
import { closePools } from "../../lib/db/pool";
import { withService, withTenant } from "../../lib/db/tx";
import { emailLowBalanceNotices, MAX_EMAIL_ATTEMPTS } from "../../lib/notifications/low-balance-email";
import { balanceLevel, listLedger } from "../../lib/wallet/overview";
import { credit, debit } from "../../lib/wallet/wallet";
import { makeOrg, makeUser } from "../helpers/factories";
import { startSmtpSink } from "../helpers/smtp-sink";
import { cookieFor, startHarness, type Harness } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ webhooks: false });
});
afterAll(async () => {
  await h.close();
  await closePools();
});

async function fund(orgId: string, paise: number, description?: string) {
  return withService((db) => credit(db, { orgId, amountPaise: paise, reference: `test:${randomUUID()}`, description }));
}
async function spend(orgId: string, paise: number) {
  return withService((db) => debit(db, { orgId, amountPaise: paise, reference: `msg:${randomUUID()}`, messageId: randomUUID() }));
}
async function addMember(orgId: string, role: "owner" | "admin" | "agent") {
  const user = await makeUser();
  await withService((db) => db.query("insert into public.memberships (org_id, user_id, role) values ($1, $2, $3)", [orgId, user.id, role]));
  return user;
}

describe("balance level", () => {
  it("is green from twice the threshold, amber below it, red under the threshold", () => {
    expect(balanceLevel(20_000, 10_000)).toBe("ok");
    expect(balanceLevel(19_999, 10_000)).toBe("warning");
    expect(balanceLevel(10_000, 10_000)).toBe("warning");
    expect(balanceLevel(9_999, 10_000)).toBe("low");
    expect(balanceLevel(0, 0)).toBe("ok");
  });
});

describe("GET /api/wallet", () => {
  it("answers the balance, its level, how many messages it pays for, and the low-balance notice for admins only", async () => {
    const org = await makeOrg({ feePaise: 20 });
    await fund(org.orgId, 10_050);
    const agent = await addMember(org.orgId, "agent");
    const get = async (cookie: string) => {
      const res = await fetch(`${h.app}/api/wallet`, { headers: { cookie } });
      expect(res.status).toBe(200);
      return (await res.json()) as Record<string, unknown>;
    };
    const owner = await cookieFor(org.user);
    expect(await get(owner)).toMatchObject({
      balance_paise: 10_050,
      threshold_paise: 10_000,
      fee_paise: 20,
      messages_left: 502,
      level: "warning",
      low_balance_notice: null,
    });
    await spend(org.orgId, 100); // 9,950: under ₹100, one notice
    const asOwner = await get(owner);
    expect(asOwner).toMatchObject({ balance_paise: 9_950, level: "low" });
    expect(asOwner.low_balance_notice).toMatchObject({ balance_paise: 9_950, threshold_paise: 10_000 });
    expect(await get(await cookieFor(agent))).toMatchObject({ level: "low", low_balance_notice: null });
    expect((await fetch(`${h.app}/api/wallet`)).status).toBe(401);
    // A recharge above the threshold clears the notice without anyone dismissing it.
    await fund(org.orgId, 5_000);
    expect(await get(owner)).toMatchObject({ level: "warning", low_balance_notice: null });
  });
});

describe("the ledger", () => {
  it("pages newest first, filters by kind, and shows nothing of another organization even when asked for it", async () => {
    const org = await makeOrg();
    await fund(org.orgId, 100_000);
    for (let i = 0; i < 30; i++) await spend(org.orgId, 20);
    const page1 = await withTenant(org.claims, (db) => listLedger(db, org.orgId, {}, 1, 25));
    expect(page1).toMatchObject({ total: 31, page: 1, pageCount: 2 });
    expect(page1.rows[0].balance_after_paise).toBe(100_000 - 30 * 20);
    const page2 = await withTenant(org.claims, (db) => listLedger(db, org.orgId, {}, 2, 25));
    expect(page2.rows.map((r) => r.kind).at(-1)).toBe("credit");
    const credits = await withTenant(org.claims, (db) => listLedger(db, org.orgId, { kind: "credit" }));
    expect(credits.total).toBe(1);
    const today = new Date().toLocaleDateString("sv-SE", { timeZone: "Asia/Kolkata" });
    const byDay = await withTenant(org.claims, (db) => listLedger(db, org.orgId, { from: today, to: today }));
    expect(byDay.total).toBe(31);
    const before = await withTenant(org.claims, (db) => listLedger(db, org.orgId, { to: "2020-01-01" }));
    expect(before.total).toBe(0);
    const other = await makeOrg();
    const peek = await withTenant(other.claims, (db) => listLedger(db, org.orgId, {}));
    expect(peek.total).toBe(0);
  });

  it("links a message fee to the conversation it paid for", async () => {
    const org = await makeOrg();
    await fund(org.orgId, 1_000);
    const { contactId, messageId } = await withService(async (db) => {
      const c = await db.query<{ id: string }>("insert into public.contacts (org_id, wa_id) values ($1, '919800000001') returning id", [org.orgId]);
      const m = await db.query<{ id: string }>(
        "insert into public.messages (org_id, contact_id, direction, type, status, fee_paise) values ($1, $2, 'outbound', 'text', 'pending', 20) returning id",
        [org.orgId, c.rows[0].id],
      );
      await debit(db, { orgId: org.orgId, amountPaise: 20, reference: `msg:${m.rows[0].id}`, messageId: m.rows[0].id });
      return { contactId: c.rows[0].id, messageId: m.rows[0].id };
    });
    const { rows } = await withTenant(org.claims, (db) => listLedger(db, org.orgId, { kind: "debit" }));
    expect(rows[0]).toMatchObject({ message_id: messageId, contact_id: contactId });
  });

  it("exports as CSV with correct quoting, formula cells neutralised, negative amounts kept as numbers", async () => {
    const org = await makeOrg();
    await fund(org.orgId, 12_345, 'Top-up, "bonus"\nsecond line');
    await fund(org.orgId, 100, "=HYPERLINK(\"http://evil\")");
    await spend(org.orgId, 20);
    const res = await fetch(`${h.app}/api/wallet/transactions/export`, { headers: { cookie: await cookieFor(org.user) } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/csv");
    expect(res.headers.get("content-disposition")).toMatch(/attachment; filename="wallet-transactions-\d{4}-\d{2}-\d{2}\.csv"/);
    const parsed = Papa.parse<Record<string, string>>(await res.text(), { header: true, skipEmptyLines: true });
    expect(parsed.errors).toEqual([]);
    expect(parsed.data.map((r) => [r.kind, r.for, r.amount_inr, r.balance_after_inr])).toEqual([
      ["debit", "Message fee", "-0.20", "124.25"],
      ["credit", "Recharge", "1.00", "124.45"],
      ["credit", "Recharge", "123.45", "123.45"],
    ]);
    expect(parsed.data[2].description).toBe('Top-up, "bonus"\nsecond line');
    expect(parsed.data[1].description).toBe("'=HYPERLINK(\"http://evil\")");
    const filtered = await fetch(`${h.app}/api/wallet/transactions/export?kind=debit`, { headers: { cookie: await cookieFor(org.user) } });
    expect(Papa.parse(await filtered.text(), { header: true, skipEmptyLines: true }).data).toHaveLength(1);
    const bad = await fetch(`${h.app}/api/wallet/transactions/export?from=yesterday`, { headers: { cookie: await cookieFor(org.user) } });
    expect(bad.status).toBe(400);
  });
});

describe("the low-balance threshold", () => {
  it("owners and admins set it; agents cannot; bad values are refused; the next crossing uses it", async () => {
    const org = await makeOrg();
    const admin = await addMember(org.orgId, "admin");
    const agent = await addMember(org.orgId, "agent");
    const patch = (cookie: string, body: unknown) =>
      fetch(`${h.app}/api/settings/low-balance`, { method: "PATCH", headers: { cookie, "content-type": "application/json" }, body: JSON.stringify(body) });
    const ok = await patch(await cookieFor(admin), { threshold_paise: 50_000 });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ threshold_paise: 50_000 });
    expect((await patch(await cookieFor(agent), { threshold_paise: 1 })).status).toBe(403);
    for (const threshold_paise of [-1, 1.5, "500", 100_000_001]) {
      expect((await patch(await cookieFor(org.user), { threshold_paise })).status).toBe(400);
    }
    await fund(org.orgId, 50_010);
    const r = await spend(org.orgId, 20);
    expect(r.crossedLowBalance).toBe(true);
  });
});

function decodeQuotedPrintable(s: string): string {
  const joined = s.replace(/=\n/g, "");
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    if (joined[i] === "=" && /^[0-9A-F]{2}$/.test(joined.slice(i + 1, i + 3))) {
      bytes.push(parseInt(joined.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(joined[i]));
  }
  return Buffer.from(bytes).toString("utf8");
}

describe("low-balance email", () => {
  async function orgUnderThreshold() {
    const org = await makeOrg();
    const admin = await addMember(org.orgId, "admin");
    const agent = await addMember(org.orgId, "agent");
    await fund(org.orgId, 10_010);
    await spend(org.orgId, 20);
    return { org, admin, agent };
  }

  it("emails each crossing once to owners and admins, even with two workers sweeping at once", async () => {
    const sink = await startSmtpSink();
    process.env.SMTP_URL = sink.url;
    resetEnvCache();
    try {
      const { org, admin, agent } = await orgUnderThreshold();
      await Promise.all([emailLowBalanceNotices(), emailLowBalanceNotices()]);
      await emailLowBalanceNotices();
      const mine = sink.mails.filter((m) => m.to.includes(org.user.email));
      expect(mine).toHaveLength(1);
      expect(mine[0].to.sort()).toEqual([org.user.email, admin.email].sort());
      expect(mine[0].to).not.toContain(agent.email);
      const body = decodeQuotedPrintable(mine[0].data.split("\n\n").slice(1).join("\n\n"));
      expect(mine[0].data).toContain("Subject: =?UTF-8?Q?Low_wallet_balance");
      expect(body).toContain("has fallen to ₹99.90, below your alert level of ₹100.00");
      expect(body).toContain("pays for 499 more messages");
      const n = await withService((db) => db.query("select emailed_at from public.notifications where org_id = $1", [org.orgId]));
      expect(n.rows).toHaveLength(1);
      expect(n.rows[0].emailed_at).toBeInstanceOf(Date);
    } finally {
      delete process.env.SMTP_URL;
      resetEnvCache();
      await sink.close();
    }
  });

  it("keeps a notice when the mail server refuses it, and gives up after a few attempts", async () => {
    const sink = await startSmtpSink({ reject: true });
    process.env.SMTP_URL = sink.url;
    resetEnvCache();
    try {
      const { org } = await orgUnderThreshold();
      for (let i = 0; i < MAX_EMAIL_ATTEMPTS + 1; i++) await emailLowBalanceNotices();
      const n = await withService((db) =>
        db.query("select emailed_at, email_attempts, email_error from public.notifications where org_id = $1", [org.orgId]),
      );
      expect(n.rows[0]).toMatchObject({ emailed_at: null, email_attempts: MAX_EMAIL_ATTEMPTS });
      expect(n.rows[0].email_error).toMatch(/550/);
    } finally {
      delete process.env.SMTP_URL;
      resetEnvCache();
      await sink.close();
    }
  });

  it("without SMTP_URL logs the email and marks the notice", async () => {
    const { org } = await orgUnderThreshold();
    await emailLowBalanceNotices();
    const n = await withService((db) => db.query("select emailed_at from public.notifications where org_id = $1", [org.orgId]));
    expect(n.rows[0].emailed_at).toBeInstanceOf(Date);
  });
});
