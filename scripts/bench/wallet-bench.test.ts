import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useIsolatedDatabase } from "../../tests/helpers/isolated-db";
import { getPool } from "../../lib/db/pool";
import { formatReport, prepareBench, runWalletBench, WORKLOADS } from "./wallet-bench";

// A smoke test of the bench's machinery on a tiny run (no figures are asserted: speed is for the
// bench itself). It runs on a database of its own, as the bench leaves schema `bench` behind.

let drop: () => Promise<void>;
beforeAll(async () => {
  drop = await useIsolatedDatabase();
});
afterAll(() => drop());

describe("wallet bench", () => {
  it("runs every workload at each concurrency and every debit it counts is in the wallet and the ledger", async () => {
    const url = process.env.DATABASE_URL!;
    const opening = 10_000_000;
    const orgId = await prepareBench(url, opening);
    const cells = await runWalletBench({ url, orgId, durationMs: 300, slices: 2, concurrencies: [1, 3] });

    expect(cells.map((c) => `${c.workload}@${c.concurrency}`).sort()).toEqual(
      [1, 3].flatMap((n) => WORKLOADS.map((w) => `${w}@${n}`)).sort(),
    );
    for (const c of cells) {
      expect(c.ops).toBeGreaterThan(0);
      expect(c.failures).toBe(0);
      expect(c.perSecond).toBeCloseTo(c.ops / c.seconds);
    }

    const { rows } = await getPool().query<{ balance: number; debits: number; ledger_sum: number }>(
      `select (select balance_paise from public.wallets where org_id = $1) as balance,
              (select count(*)::int from public.wallet_transactions where org_id = $1 and kind = 'debit') as debits,
              (select sum(amount_paise)::bigint from public.wallet_transactions where org_id = $1) as ledger_sum`,
      [orgId],
    );
    // Warm-up calls are not counted in the cells, so the database saw at least what was counted.
    const counted = (w: string) => cells.filter((c) => c.workload === w).reduce((s, c) => s + c.ops, 0);
    expect(rows[0].debits).toBeGreaterThanOrEqual(counted("debit") + counted("in_tx") + counted("floor"));
    const spent = opening - rows[0].balance;
    expect(spent).toBeGreaterThanOrEqual(20 * (counted("debit") + counted("in_tx") + counted("floor") + counted("bare")));
    // Every debit through a ledger-writing path has its ledger row; only the bare UPDATEs lack one.
    expect(opening - rows[0].ledger_sum).toBe(20 * rows[0].debits);

    const report = formatReport(cells);
    expect(report[0]).toMatch(/connections.*debit\/s.*in_tx\/s.*floor\/s.*bare UPDATE\/s.*debit\/bare.*in_tx\/bare/);
    expect(report).toHaveLength(4);
    expect(report[2]).toMatch(/^\s*1 \|/);
  });
});
