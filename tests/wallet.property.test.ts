import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { closePools } from "../lib/db/pool";
import { withService, type Db } from "../lib/db/tx";
import { credit, debit, getBalance, refund, type WalletResult, type WalletStatus } from "../lib/wallet/wallet";
import { makeOrg } from "./helpers/factories";

// Property-based proof of the wallet's money rules against the real Postgres of the test run.
// fast-check generates operation sequences (debits, refunds, credits, adjustments, with repeated
// references and impossible amounts); we run them one by one against an exact model, and in
// concurrent batches against the invariants and the consistency of what each call reported.
//
// Reproduce a failure: WALLET_PROPERTY_SEED=<seed printed by fast-check> npx vitest run tests/wallet.property.test.ts
// Explore more: WALLET_PROPERTY_RUNS=500 (default 40).

const SEED = process.env.WALLET_PROPERTY_SEED ? Number(process.env.WALLET_PROPERTY_SEED) : 20261123;
const RUNS = process.env.WALLET_PROPERTY_RUNS ? Number(process.env.WALLET_PROPERTY_RUNS) : 40;
if (!Number.isSafeInteger(SEED) || !Number.isSafeInteger(RUNS)) {
  throw new Error("WALLET_PROPERTY_SEED and WALLET_PROPERTY_RUNS must be integers");
}

afterAll(closePools);

// ---------------------------------------------------------------------------------------------
// Operations

type Op =
  | { type: "debit"; ref: number; amount: number }
  | { type: "credit"; ref: number; amount: number }
  | { type: "adjustment"; ref: number; amount: number }
  | { type: "refund"; debit: number; amount: number | null }; // null: refund the whole debit

// Small reference pools, so references repeat often; refunds pick from the same debit pool, so
// they hit earlier debits, later debits, debits that were refused and debits that never ran.
const DEBIT_REFS = 4;
const CREDIT_REFS = 4;
const ADJUSTMENT_REFS = 4;

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      type: fc.constant("debit" as const),
      ref: fc.nat(DEBIT_REFS - 1),
      amount: fc.oneof(
        { weight: 8, arbitrary: fc.integer({ min: 1, max: 300 }) },
        { weight: 2, arbitrary: fc.integer({ min: 301, max: 5_000 }) }, // usually more than the balance
        { weight: 1, arbitrary: fc.integer({ min: -2, max: 0 }) }, // invalid
      ),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      type: fc.constant("refund" as const),
      debit: fc.nat(DEBIT_REFS - 1),
      amount: fc.oneof(
        { weight: 3, arbitrary: fc.constant(null) },
        { weight: 3, arbitrary: fc.integer({ min: 1, max: 300 }) }, // partial, or more than the debit
        { weight: 1, arbitrary: fc.integer({ min: -1, max: 0 }) }, // invalid
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant("credit" as const),
      ref: fc.nat(CREDIT_REFS - 1),
      amount: fc.oneof(
        { weight: 9, arbitrary: fc.integer({ min: 1, max: 1_500 }) },
        { weight: 1, arbitrary: fc.integer({ min: -2, max: 0 }) }, // invalid: a credit is positive
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant("adjustment" as const),
      ref: fc.nat(ADJUSTMENT_REFS - 1),
      amount: fc.integer({ min: -1_500, max: 1_500 }), // negative ones may go below zero; 0 is invalid
    }),
  },
);

/** One run's organization; references carry a fresh tag so runs never share one. */
interface Run {
  orgId: string;
  tag: string;
  threshold: number;
}

const debitRef = (run: Run, i: number) => `msg:${run.tag}:${i}`;

/** The reference of the ledger row this operation writes (a refund's is derived from its debit's). */
function referenceOf(run: Run, op: Op): string {
  switch (op.type) {
    case "debit":
      return debitRef(run, op.ref);
    case "credit":
      return `rzp:${run.tag}:${op.ref}`;
    case "adjustment":
      return `adj:${run.tag}:${op.ref}`;
    case "refund":
      return `refund:${debitRef(run, op.debit)}`;
  }
}

function execute(run: Run, op: Op): Promise<WalletResult> {
  return withService((db) => {
    switch (op.type) {
      case "debit":
        return debit(db, { orgId: run.orgId, amountPaise: op.amount, reference: referenceOf(run, op) });
      case "credit":
        return credit(db, { orgId: run.orgId, amountPaise: op.amount, reference: referenceOf(run, op) });
      case "adjustment":
        return credit(db, { orgId: run.orgId, amountPaise: op.amount, reference: referenceOf(run, op), kind: "adjustment" });
      case "refund":
        return refund(db, {
          debitReference: debitRef(run, op.debit),
          ...(op.amount === null ? {} : { amountPaise: op.amount }),
        });
    }
  });
}

/** Refused for its arguments alone, whatever the wallet holds. */
function staticallyInvalid(op: Op): boolean {
  switch (op.type) {
    case "debit":
    case "credit":
      return op.amount <= 0;
    case "adjustment":
      return op.amount === 0;
    case "refund":
      return op.amount !== null && op.amount <= 0;
  }
}

const ALLOWED: Record<Op["type"], WalletStatus[]> = {
  debit: ["applied", "duplicate", "insufficient_funds", "invalid"],
  credit: ["applied", "duplicate", "invalid"],
  adjustment: ["applied", "duplicate", "insufficient_funds", "invalid"],
  refund: ["applied", "duplicate", "not_found", "invalid"],
};

// ---------------------------------------------------------------------------------------------
// The model: what a correct wallet does when the operations arrive one at a time.

const KIND: Record<Op["type"], string> = { debit: "debit", credit: "credit", adjustment: "adjustment", refund: "refund" };

interface ModelRow {
  kind: string;
  reference: string;
  amount_paise: number;
  balance_after_paise: number;
}

class WalletModel {
  balance = 0;
  readonly rows: ModelRow[] = [];
  private readonly byReference = new Map<string, ModelRow>();

  constructor(
    private readonly run: Run,
    private readonly threshold: number,
  ) {}

  step(op: Op): { status: WalletStatus; crossed: boolean } {
    const reference = referenceOf(this.run, op);
    if (op.type === "refund") {
      // The debit is looked up first; then the amount must be within it; then at most once.
      const debitRow = this.byReference.get(debitRef(this.run, op.debit));
      if (!debitRow) return { status: "not_found", crossed: false };
      const amount = op.amount ?? -debitRow.amount_paise;
      if (amount <= 0 || amount > -debitRow.amount_paise) return { status: "invalid", crossed: false };
      if (this.byReference.has(reference)) return { status: "duplicate", crossed: false };
      this.append("refund", reference, amount);
      return { status: "applied", crossed: false };
    }
    if (staticallyInvalid(op)) return { status: "invalid", crossed: false };
    if (this.byReference.has(reference)) return { status: "duplicate", crossed: false };
    const delta = op.type === "debit" ? -op.amount : op.amount;
    if (this.balance + delta < 0) return { status: "insufficient_funds", crossed: false };
    const before = this.balance;
    this.append(KIND[op.type], reference, delta);
    const crossed = op.type !== "credit" && delta < 0 && before >= this.threshold && this.balance < this.threshold;
    return { status: "applied", crossed };
  }

  private append(kind: string, reference: string, amount: number) {
    this.balance += amount;
    const row = { kind, reference, amount_paise: amount, balance_after_paise: this.balance };
    this.rows.push(row);
    this.byReference.set(reference, row);
  }
}

// ---------------------------------------------------------------------------------------------
// Invariants that hold for any interleaving, checked against the ledger and what each call reported.

interface Call {
  op: Op;
  batch: number;
  result: WalletResult;
}

interface LedgerRow extends ModelRow {
  id: number;
  org_id: string;
  related_transaction_id: number | null;
}

async function readState(orgId: string) {
  return withService(async (db) => {
    const balance = await getBalance(db, orgId);
    const { rows } = await db.query<LedgerRow>(
      `select id, org_id, kind, reference, amount_paise, balance_after_paise, related_transaction_id
         from public.wallet_transactions where org_id = $1 order by id`,
      [orgId],
    );
    const notices = await db.query<{ n: number }>(
      "select count(*)::int as n from public.notifications where org_id = $1 and kind = 'low_balance'",
      [orgId],
    );
    return { balance: balance as number, rows, lowBalanceNotices: notices.rows[0].n };
  });
}

const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);

async function checkInvariants(run: Run, records: Call[]) {
  const { balance, rows, lowBalanceNotices } = await readState(run.orgId);
  const byId = new Map(rows.map((r) => [r.id, r]));

  // The wallet: never negative, and exactly the sum of its ledger.
  expect(balance).toBeGreaterThanOrEqual(0);
  expect(sum(rows.map((r) => r.amount_paise))).toBe(balance);

  // The ledger is a serial history: replayed in id order, each row's balance_after is the running
  // sum, never negative, and the last one is the balance.
  let running = 0;
  for (const row of rows) {
    running += row.amount_paise;
    expect(row.balance_after_paise).toBe(running);
    expect(row.balance_after_paise).toBeGreaterThanOrEqual(0);
  }

  // Each reference at most once; at most one refund per debit, never more than the debit.
  expect(new Set(rows.map((r) => r.reference)).size).toBe(rows.length);
  const refundedDebits = new Set<number>();
  for (const row of rows.filter((r) => r.kind === "refund")) {
    const debitRow = byId.get(row.related_transaction_id ?? -1);
    expect(debitRow?.kind).toBe("debit");
    expect(refundedDebits.has(debitRow!.id)).toBe(false);
    refundedDebits.add(debitRow!.id);
    expect(row.amount_paise).toBeGreaterThan(0);
    expect(row.amount_paise).toBeLessThanOrEqual(-debitRow!.amount_paise);
    expect(row.reference).toBe(`refund:${debitRow!.reference}`);
  }

  // Every call's status is one its kind may answer, and static nonsense is always 'invalid'.
  for (const { op, result } of records) {
    expect(ALLOWED[op.type]).toContain(result.status);
    // (A refund looks its debit up first, so a nonsense amount on an unknown debit is 'not_found'.)
    if (staticallyInvalid(op)) expect(op.type === "refund" ? ["invalid", "not_found"] : ["invalid"]).toContain(result.status);
  }

  // What the calls reported matches the ledger one to one: each 'applied' answer names its own new
  // row with the operation's reference, kind and amount, and nothing else wrote a row. So a
  // duplicate reference never changed the balance.
  const applied = records.filter((r) => r.result.status === "applied");
  expect(new Set(applied.map((r) => r.result.transactionId)).size).toBe(applied.length);
  expect(rows.length).toBe(applied.length);
  const appliedBatchOf = new Map<string, number>(); // reference -> batch that applied it
  const appliedDebitAmount = new Map<string, number>(); // debit reference -> amount charged
  for (const { op, batch } of applied) {
    appliedBatchOf.set(referenceOf(run, op), batch);
    if (op.type === "debit") appliedDebitAmount.set(referenceOf(run, op), op.amount);
  }
  const signedAmount = (op: Op): number => {
    switch (op.type) {
      case "debit":
        return -op.amount;
      case "credit":
      case "adjustment":
        return op.amount;
      case "refund":
        return op.amount ?? (appliedDebitAmount.get(debitRef(run, op.debit)) as number);
    }
  };
  for (const { op, result } of applied) {
    const row = byId.get(result.transactionId as number);
    expect(row).toBeDefined();
    expect(row!.reference).toBe(referenceOf(run, op));
    expect(row!.kind).toBe(KIND[op.type]);
    expect(row!.amount_paise).toBe(signedAmount(op));
    expect(result.balancePaise).toBe(row!.balance_after_paise);
  }

  // Applied debits in the ledger = distinct debit references reported applied (none reported twice).
  const appliedDebitRefs = applied.filter((r) => r.op.type === "debit").map((r) => referenceOf(run, r.op));
  expect(new Set(appliedDebitRefs).size).toBe(appliedDebitRefs.length);
  expect(rows.filter((r) => r.kind === "debit")).toHaveLength(appliedDebitRefs.length);

  // The amounts reported applied add up to the change in balance (the run starts from zero).
  expect(sum(applied.map((r) => signedAmount(r.op)))).toBe(balance);

  // Refusals and duplicates are explained by what had committed when the call began.
  for (const { op, batch, result } of records) {
    const reference = referenceOf(run, op);
    const appliedIn = appliedBatchOf.get(reference);
    switch (result.status) {
      case "duplicate": {
        // Another call with this reference applied, in this batch or an earlier one, and the
        // answer names that row.
        expect(appliedIn).toBeDefined();
        expect(appliedIn!).toBeLessThanOrEqual(batch);
        expect(byId.get(result.transactionId as number)?.reference).toBe(reference);
        break;
      }
      case "insufficient_funds":
        // Had the reference been applied before this call began, it would be a duplicate.
        if (appliedIn !== undefined) expect(appliedIn).toBeGreaterThanOrEqual(batch);
        expect(result.transactionId).toBeNull();
        break;
      case "not_found": {
        // A refund finds any debit that committed before it began.
        expect(op.type).toBe("refund");
        const debitIn = appliedBatchOf.get(debitRef(run, (op as Extract<Op, { type: "refund" }>).debit));
        if (debitIn !== undefined) expect(debitIn).toBeGreaterThanOrEqual(batch);
        break;
      }
      case "invalid":
        if (op.type === "refund" && !staticallyInvalid(op)) {
          // Only more than the debit is refused; the debit must exist for the function to know.
          const charged = appliedDebitAmount.get(debitRef(run, op.debit));
          expect(charged).toBeDefined();
          expect(appliedBatchOf.get(debitRef(run, op.debit))!).toBeLessThanOrEqual(batch);
          expect(op.amount).toBeGreaterThan(charged!);
        } else {
          expect(staticallyInvalid(op)).toBe(true);
        }
        break;
    }
  }

  // Low balance: one notice per debit or negative adjustment that took the balance across the threshold, and the call
  // that did so (debit or negative adjustment) is the one that said so.
  let before = 0;
  let crossingDebits = 0;
  const crossedById = new Map<number, boolean>();
  for (const row of rows) {
    const crossed = row.amount_paise < 0 && before >= run.threshold && row.balance_after_paise < run.threshold;
    crossedById.set(row.id, crossed);
    if (crossed && (row.kind === "debit" || row.kind === "adjustment")) crossingDebits++;
    before = row.balance_after_paise;
  }
  expect(lowBalanceNotices).toBe(crossingDebits);
  for (const { result } of records) {
    expect(result.crossedLowBalance).toBe(result.status === "applied" && crossedById.get(result.transactionId as number));
  }

  return { balance, rows };
}

async function newRun(threshold: number): Promise<Run> {
  const { orgId } = await makeOrg();
  await withService((db: Db) =>
    db.query("update public.organizations set low_balance_threshold_paise = $2 where id = $1", [orgId, threshold]),
  );
  return { orgId, tag: randomUUID(), threshold };
}

const thresholdArb = fc.integer({ min: 0, max: 1_000 });
/** Each run opens with a credit on a reference of its own, so debits have something to take. */
const openingArb: fc.Arbitrary<Op> = fc.record({
  type: fc.constant("credit" as const),
  ref: fc.constant(CREDIT_REFS),
  amount: fc.integer({ min: 1, max: 3_000 }),
});

/** Which answers the generated runs produced, so a test can show it exercised every path. */
class Coverage {
  readonly seen = new Set<string>();
  add(records: Call[]) {
    for (const { op, result } of records) this.seen.add(`${op.type}:${result.status}`);
  }
}
const EXPECTED_COVERAGE = [
  "debit:applied", "debit:duplicate", "debit:insufficient_funds", "debit:invalid",
  "refund:applied", "refund:duplicate", "refund:not_found", "refund:invalid",
  "credit:applied", "credit:duplicate",
  "adjustment:applied", "adjustment:duplicate", "adjustment:insufficient_funds",
];
const params = { seed: SEED, numRuns: RUNS };

// ---------------------------------------------------------------------------------------------

describe("wallet properties (fast-check, real Postgres)", () => {
  it("one at a time, every call answers exactly as the model predicts and the ledger is the model's ledger", async () => {
    const coverage = new Coverage();
    const opsArb = fc.array(opArb, { minLength: 1, maxLength: 39, size: "max" });
    await fc.assert(
      fc.asyncProperty(openingArb, opsArb, thresholdArb, async (opening, rest, threshold) => {
        const run = await newRun(threshold);
        const ops = [opening, ...rest];
        const model = new WalletModel(run, threshold);
        const records: Call[] = [];
        for (const [i, op] of ops.entries()) {
          const result = await execute(run, op);
          const expected = model.step(op);
          expect({ op, status: result.status }).toEqual({ op, status: expected.status });
          expect(result.crossedLowBalance).toBe(expected.crossed);
          if (expected.status === "applied") expect(result.balancePaise).toBe(model.balance);
          records.push({ op, batch: i, result });
        }
        coverage.add(records);
        const { balance, rows } = await checkInvariants(run, records);
        expect(balance).toBe(model.balance);
        const ledger = rows.map(({ kind, reference, amount_paise, balance_after_paise }) => ({
          kind,
          reference,
          amount_paise,
          balance_after_paise,
        }));
        expect(ledger).toEqual(model.rows);
      }),
      params,
    );
    expect(EXPECTED_COVERAGE.filter((c) => !coverage.seen.has(c))).toEqual([]);
  });

  it("in concurrent batches over separate connections, the invariants hold and every answer agrees with the ledger", async () => {
    // Batches of up to 8 calls fired together (Promise.all, one pooled connection each), ≤ 40 calls in all.
    const coverage = new Coverage();
    const batchesArb = fc.array(fc.array(opArb, { minLength: 1, maxLength: 8, size: "max" }), {
      minLength: 1,
      maxLength: 5,
      size: "max",
    });
    await fc.assert(
      fc.asyncProperty(openingArb, batchesArb, thresholdArb, async (opening, batches, threshold) => {
        const run = await newRun(threshold);
        const records: Call[] = [];
        for (const [batch, ops] of [[opening], ...batches].entries()) {
          const results = await Promise.all(ops.map((op) => execute(run, op)));
          ops.forEach((op, i) => records.push({ op, batch, result: results[i] }));
        }
        coverage.add(records);
        await checkInvariants(run, records);
      }),
      params,
    );
    expect(EXPECTED_COVERAGE.filter((c) => !coverage.seen.has(c))).toEqual([]);
  });

  it("many calls on the same few references at once: one debit per reference, one refund per debit, one credit per reference", async () => {
    // A denser variant: every batch races the same references, the case where idempotency matters most.
    const hotOp = fc.oneof(
      fc.record({ type: fc.constant("debit" as const), ref: fc.nat(1), amount: fc.integer({ min: 1, max: 400 }) }),
      fc.record({ type: fc.constant("refund" as const), debit: fc.nat(1), amount: fc.constant(null) }),
      fc.record({ type: fc.constant("credit" as const), ref: fc.nat(1), amount: fc.integer({ min: 1, max: 400 }) }),
      fc.record({ type: fc.constant("adjustment" as const), ref: fc.nat(1), amount: fc.integer({ min: -400, max: 400 }) }),
    );
    const batchesArb = fc.array(fc.array(hotOp, { minLength: 4, maxLength: 10, size: "max" }), {
      minLength: 1,
      maxLength: 4,
      size: "max",
    });
    await fc.assert(
      fc.asyncProperty(batchesArb, async (batches) => {
        const run = await newRun(0);
        const records: Call[] = [];
        for (const [batch, ops] of batches.entries()) {
          const results = await Promise.all(ops.map((op) => execute(run, op)));
          ops.forEach((op, i) => records.push({ op, batch, result: results[i] }));
        }
        const { rows } = await checkInvariants(run, records);
        expect(rows.filter((r) => r.kind === "debit").length).toBeLessThanOrEqual(2);
        expect(rows.filter((r) => r.kind === "refund").length).toBeLessThanOrEqual(2);
        expect(rows.filter((r) => r.kind === "credit").length).toBeLessThanOrEqual(2);
      }),
      { seed: SEED, numRuns: Math.max(1, Math.round(RUNS / 2)) },
    );
  });
});

describe("lib/wallet/wallet.ts guards", () => {
  /** A Db that records every query; the real one is never reached. */
  function spyDb() {
    const calls: unknown[] = [];
    const db = {
      query: async (...args: unknown[]) => {
        calls.push(args);
        throw new Error("reached the database");
      },
    } as unknown as Db;
    return { db, calls };
  }

  const notPaise = fc.oneof(
    fc.double({ noInteger: true }), // fractions, NaN, ±Infinity
    fc.constantFrom(0.5, 20.000001, -0.1, Number.MAX_SAFE_INTEGER + 1, 2 ** 60, -(2 ** 60), 1e300),
  );

  it("rejects non-integer (or unsafe) paise before touching the database", async () => {
    await fc.assert(
      fc.asyncProperty(notPaise, async (amountPaise) => {
        const { db, calls } = spyDb();
        const orgId = randomUUID();
        await expect(debit(db, { orgId, amountPaise, reference: "msg:x" })).rejects.toThrow(/integer number of paise/);
        await expect(credit(db, { orgId, amountPaise, reference: "rzp:x" })).rejects.toThrow(/integer number of paise/);
        await expect(credit(db, { orgId, amountPaise, reference: "adj:x", kind: "adjustment" })).rejects.toThrow(
          /integer number of paise/,
        );
        await expect(refund(db, { debitReference: "msg:x", amountPaise })).rejects.toThrow(/integer number of paise/);
        expect(calls).toHaveLength(0);
      }),
      { seed: SEED, numRuns: 200 },
    );
    // The spy does see a call with a whole number, so the check above can fail.
    const { db, calls } = spyDb();
    await expect(debit(db, { orgId: randomUUID(), amountPaise: 20, reference: "msg:x" })).rejects.toThrow(
      /reached the database/,
    );
    expect(calls).toHaveLength(1);
  });
});
