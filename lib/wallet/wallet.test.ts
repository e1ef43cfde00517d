import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { closePools, getServicePool } from "../db/pool";
import { withService } from "../db/tx";
import { makeOrg } from "../../tests/helpers/factories";
import { credit, debit, debitCommitted, getBalance, refund } from "./wallet";

afterAll(closePools);

async function ledger(orgId: string) {
  return withService(async (db) => {
    const { rows } = await db.query<{ kind: string; amount_paise: number; balance_after_paise: number }>(
      "select kind, amount_paise, balance_after_paise from public.wallet_transactions where org_id = $1 order by id",
      [orgId],
    );
    return rows;
  });
}

describe("wallet functions on a real Postgres", () => {
  it("200 concurrent debits of 20 paise against 1,000 paise: exactly 50 succeed and the balance ends at 0", async () => {
    const { orgId } = await makeOrg();
    await withService((db) => credit(db, { orgId, amountPaise: 1000, reference: `test:${randomUUID()}` }));
    const results = await Promise.all(
      Array.from({ length: 200 }, () =>
        withService((db) => debit(db, { orgId, amountPaise: 20, reference: `msg:${randomUUID()}` })),
      ),
    );
    expect(results.filter((r) => r.ok && r.status === "applied")).toHaveLength(50);
    expect(results.filter((r) => r.status === "insufficient_funds")).toHaveLength(150);
    const balance = await withService((db) => getBalance(db, orgId));
    expect(balance).toBe(0);
    const rows = await ledger(orgId);
    expect(rows.reduce((s, r) => s + r.amount_paise, 0)).toBe(balance);
    expect(rows.every((r) => r.balance_after_paise >= 0)).toBe(true);
    expect(rows.filter((r) => r.kind === "debit")).toHaveLength(50);
  });

  it("refunds a debit once, however often it is asked, and never more than the debit", async () => {
    const { orgId } = await makeOrg();
    await withService((db) => credit(db, { orgId, amountPaise: 500, reference: `test:${randomUUID()}` }));
    const ref = `msg:${randomUUID()}`;
    await withService((db) => debit(db, { orgId, amountPaise: 20, reference: ref }));
    const tooMuch = await withService((db) => refund(db, { debitReference: ref, amountPaise: 21 }));
    expect(tooMuch.status).toBe("invalid");
    const results = await Promise.all(
      Array.from({ length: 5 }, () => withService((db) => refund(db, { debitReference: ref }))),
    );
    expect(results.filter((r) => r.status === "applied")).toHaveLength(1);
    expect(results.filter((r) => r.status === "duplicate")).toHaveLength(4);
    expect(await withService((db) => getBalance(db, orgId))).toBe(500);
    const rows = await ledger(orgId);
    expect(rows.map((r) => r.kind)).toEqual(["credit", "debit", "refund"]);
  });

  it("credits the same reference once, even concurrently", async () => {
    const { orgId } = await makeOrg();
    const ref = `rzp:pay_${randomUUID()}`;
    const results = await Promise.all(
      Array.from({ length: 6 }, () => withService((db) => credit(db, { orgId, amountPaise: 10_000, reference: ref }))),
    );
    expect(results.filter((r) => r.status === "applied")).toHaveLength(1);
    expect(await withService((db) => getBalance(db, orgId))).toBe(10_000);
    expect(await ledger(orgId)).toHaveLength(1);
  });

  it("a repeated debit reference charges once and an unknown debit cannot be refunded", async () => {
    const { orgId } = await makeOrg();
    await withService((db) => credit(db, { orgId, amountPaise: 100, reference: `test:${randomUUID()}` }));
    const ref = `msg:${randomUUID()}`;
    const [a, b] = await Promise.all([
      withService((db) => debit(db, { orgId, amountPaise: 20, reference: ref })),
      withService((db) => debit(db, { orgId, amountPaise: 20, reference: ref })),
    ]);
    expect([a.status, b.status].sort()).toEqual(["applied", "duplicate"]);
    expect(await withService((db) => getBalance(db, orgId))).toBe(80);
    expect((await withService((db) => refund(db, { debitReference: "msg:nope" }))).status).toBe("not_found");
  });

  it("an adjustment can take money away but never below zero", async () => {
    const { orgId } = await makeOrg();
    await withService((db) => credit(db, { orgId, amountPaise: 300, reference: `test:${randomUUID()}` }));
    const tooMuch = await withService((db) =>
      credit(db, { orgId, amountPaise: -301, reference: `adj:${randomUUID()}`, kind: "adjustment" }),
    );
    expect(tooMuch.status).toBe("insufficient_funds");
    const ok = await withService((db) =>
      credit(db, { orgId, amountPaise: -300, reference: `adj:${randomUUID()}`, kind: "adjustment" }),
    );
    expect(ok).toMatchObject({ ok: true, status: "applied", balancePaise: 0 });
  });

  it("debits of one wallet queue on its advisory lock, while a credit still goes through and the ledger stays serial", async () => {
    const { orgId } = await makeOrg();
    await withService((db) => credit(db, { orgId, amountPaise: 100, reference: `test:${randomUUID()}` }));
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    // Another transaction holds the organization's debit queue.
    const holder = withService(async (db) => {
      await db.query("select pg_advisory_xact_lock(hashtextextended('wallet:' || $1::text, 0))", [orgId]);
      locked();
      await released;
    });
    await isLocked;
    const waiting = withService((db) => debit(db, { orgId, amountPaise: 30, reference: `msg:${randomUUID()}` }));
    let queued = 0;
    for (let i = 0; i < 200 && queued === 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
      queued = await withService(async (db) => {
        // This organization's queue lock only (a 64-bit key is classid:objid, objsubid 1): other
        // test files take advisory locks of their own meanwhile.
        const { rows } = await db.query<{ n: number }>(
          `select count(*)::int as n from pg_locks
            where locktype = 'advisory' and not granted and objsubid = 1
              and ((classid::bigint << 32) | objid::bigint) = hashtextextended('wallet:' || $1::text, 0)`,
          [orgId],
        );
        return rows[0].n;
      });
    }
    expect(queued).toBeGreaterThan(0);
    // The queue is only for debits: a credit takes the wallet row directly and commits meanwhile.
    const topUp = await withService((db) => credit(db, { orgId, amountPaise: 50, reference: `test:${randomUUID()}` }));
    expect(topUp).toMatchObject({ status: "applied", balancePaise: 150 });
    release();
    await holder;
    expect(await waiting).toMatchObject({ status: "applied", balancePaise: 120 });
    const rows = await ledger(orgId);
    expect(rows.map((r) => [r.kind, r.amount_paise, r.balance_after_paise])).toEqual([
      ["credit", 100, 100],
      ["credit", 50, 150],
      ["debit", -30, 120],
    ]);
  });

  it("the ledger is append-only", async () => {
    const { orgId } = await makeOrg();
    await withService((db) => credit(db, { orgId, amountPaise: 300, reference: `test:${randomUUID()}` }));
    await expect(
      withService((db) => db.query("update public.wallet_transactions set amount_paise = 1 where org_id = $1", [orgId])),
    ).rejects.toThrow(/append-only/);
  });
});

describe("debits committed on their own (private.wallet_debit_commit)", () => {
  it("200 concurrent debits of 20 paise against 1,000 paise: exactly 50 succeed, a repeated reference charges once", async () => {
    const { orgId } = await makeOrg();
    await withService((db) => credit(db, { orgId, amountPaise: 1000, reference: `test:${randomUUID()}` }));
    const repeated = `msg:${randomUUID()}`;
    const [first, second] = await Promise.all([
      debitCommitted({ orgId, amountPaise: 20, reference: repeated }),
      debitCommitted({ orgId, amountPaise: 20, reference: repeated }),
    ]);
    expect([first.status, second.status].sort()).toEqual(["applied", "duplicate"]);
    const results = await Promise.all(
      Array.from({ length: 200 }, () => debitCommitted({ orgId, amountPaise: 20, reference: `msg:${randomUUID()}` })),
    );
    expect(results.filter((r) => r.ok && r.status === "applied")).toHaveLength(49);
    expect(results.filter((r) => r.status === "insufficient_funds")).toHaveLength(151);
    const balance = await withService((db) => getBalance(db, orgId));
    expect(balance).toBe(0);
    const rows = await ledger(orgId);
    expect(rows.reduce((s, r) => s + r.amount_paise, 0)).toBe(0);
    expect(rows.filter((r) => r.kind === "debit")).toHaveLength(50);
    // Serial: each row's balance_after follows from the one before it.
    rows.reduce((prev, r) => (expect(r.balance_after_paise).toBe(prev + r.amount_paise), r.balance_after_paise), 0);
  });

  it("answers only after its commit is flushed to the WAL on disk", async () => {
    const { orgId } = await makeOrg();
    await withService((db) => credit(db, { orgId, amountPaise: 100, reference: `test:${randomUUID()}` }));
    const pool = getServicePool();
    const { rows } = await pool.query<{ status: string; balance_paise: number; commit_lsn: string; flushed_lsn: string | null }>(
      "call private.wallet_debit_commit($1, 30, $2)",
      [orgId, `msg:${randomUUID()}`],
    );
    expect(rows[0]).toMatchObject({ status: "applied", balance_paise: 70 });
    // PostgreSQL 17+ (the tests' server is 18): the commit did not wait for its flush, the
    // procedure flushed afterwards, past the end of the commit record, before it answered.
    expect(rows[0].flushed_lsn).not.toBeNull();
    const { rows: cmp } = await pool.query<{ flushed_after_commit: boolean; on_disk: boolean }>(
      "select $1::pg_lsn >= $2::pg_lsn as flushed_after_commit, pg_current_wal_flush_lsn() >= $1::pg_lsn as on_disk",
      [rows[0].flushed_lsn, rows[0].commit_lsn],
    );
    expect(cmp[0]).toEqual({ flushed_after_commit: true, on_disk: true });
  });

  it("refuses to run inside a transaction block, and charges nothing there", async () => {
    const { orgId } = await makeOrg();
    await withService((db) => credit(db, { orgId, amountPaise: 100, reference: `test:${randomUUID()}` }));
    await expect(
      withService((db) => db.query("call private.wallet_debit_commit($1, 30, $2)", [orgId, `msg:${randomUUID()}`])),
    ).rejects.toThrow(/invalid transaction termination/);
    expect(await withService((db) => getBalance(db, orgId))).toBe(100);
  });
});

describe("low balance", () => {
  it("records one notice per crossing of the threshold, not one per debit", async () => {
    const { orgId } = await makeOrg();
    await withService(async (db) => {
      await db.query("update public.organizations set low_balance_threshold_paise = 100 where id = $1", [orgId]);
      await credit(db, { orgId, amountPaise: 140, reference: `test:${randomUUID()}` });
    });
    const results = [];
    for (let i = 0; i < 5; i++) {
      results.push(await withService((db) => debit(db, { orgId, amountPaise: 20, reference: `msg:${randomUUID()}` })));
    }
    // 140 -> 120 -> 100 -> 80 (crossed) -> 60 -> 40
    expect(results.map((r) => r.crossedLowBalance)).toEqual([false, false, true, false, false]);
    await withService((db) => credit(db, { orgId, amountPaise: 200, reference: `test:${randomUUID()}` }));
    const again = await withService((db) => debit(db, { orgId, amountPaise: 200, reference: `msg:${randomUUID()}` }));
    expect(again.crossedLowBalance).toBe(true);
    const notices = await withService((db) =>
      db.query("select kind, data from public.notifications where org_id = $1 order by id", [orgId]),
    );
    expect(notices.rows.map((r) => r.kind)).toEqual(["low_balance", "low_balance"]);
    expect(notices.rows[0].data.balance_paise).toBe(80);
  });
});

describe("low balance by adjustment", () => {
  it("a negative adjustment that crosses the threshold records one notice", async () => {
    const { orgId } = await makeOrg();
    await withService(async (db) => {
      await db.query("update public.organizations set low_balance_threshold_paise = 100 where id = $1", [orgId]);
      await credit(db, { orgId, amountPaise: 150, reference: `test:${randomUUID()}` });
    });
    const r = await withService((db) =>
      credit(db, { orgId, amountPaise: -100, reference: `adj:${randomUUID()}`, kind: "adjustment" }),
    );
    expect(r).toMatchObject({ status: "applied", balancePaise: 50, crossedLowBalance: true });
    const n = await withService((db) => db.query("select count(*)::int n from public.notifications where org_id = $1 and kind = 'low_balance'", [orgId]));
    expect(n.rows[0].n).toBe(1);
  });
});
