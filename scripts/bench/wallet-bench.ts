import { randomBytes } from "node:crypto";
import pg from "pg";

// Debits per second on ONE wallet row, four ways, at several concurrencies:
//   debit  private.wallet_debit_commit, a debit as its own transaction, as the product runs one
//          (lib/wallet debitCommitted): the lock, ledger row, idempotency and low-balance check of
//          private.wallet_debit, with the wallet released before the commit's disk flush and the
//          answer given after it (supabase/migrations/20261201200002_wallet_debit_early_lock_release.sql);
//   in_tx  private.wallet_debit as one statement with an ordinary synchronous commit, as it runs
//          inside a caller's transaction: the wallet stays locked until the flush is done;
//   floor  the least a ledger-writing debit with an ordinary commit can do: the conditional UPDATE
//          plus one ledger INSERT (ON CONFLICT on the reference) in one plpgsql call; created by
//          the bench in schema bench;
//   bare   the conditional UPDATE alone, as one statement (also an ordinary commit).
// in_tx/floor shows what the function's own logic costs, floor/bare what writing a ledger row
// costs, debit/in_tx what releasing the wallet before the flush gains.
// The workloads alternate in short slices on the same connections, so a neighbour's load on a
// shared machine falls on all of them alike and the ratios stay meaningful.

export const WORKLOADS = ["debit", "in_tx", "floor", "bare"] as const;
export type Workload = (typeof WORKLOADS)[number];

export interface BenchOptions {
  url: string;
  orgId: string;
  /** Total measured time per cell (workload x concurrency). */
  durationMs: number;
  /** Each cell's time is split into this many slices, alternating with the other workloads. */
  slices: number;
  concurrencies: number[];
  amountPaise?: number;
  log?: (line: string) => void;
}

export interface Cell {
  workload: Workload;
  concurrency: number;
  /** Successful debits. */
  ops: number;
  /** Calls that did not debit (must stay 0 with a big enough balance). */
  failures: number;
  seconds: number;
  perSecond: number;
}

const SQL: Record<Workload, string> = {
  debit: "call private.wallet_debit_commit($1, $2, $3)",
  in_tx: "select status = 'applied' as ok from private.wallet_debit($1, $2, $3)",
  floor: "select bench.update_and_insert($1, $2, $3) is not null as ok",
  bare: "update public.wallets set balance_paise = balance_paise - $2 where org_id = $1 and balance_paise >= $2 returning true as ok",
};

/**
 * Prepares a database (already migrated) for the bench: the floor function and an organization
 * whose wallet holds enough for any run (credited through the wallet function). Use a database of
 * its own: the bench leaves the schema `bench` and a great many ledger rows behind.
 */
export async function prepareBench(url: string, balancePaise = 1_000_000_000_000): Promise<string> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`
      create schema if not exists bench;
      grant usage on schema bench to service_role;
      create or replace function bench.update_and_insert(p_org uuid, p_amount bigint, p_reference text) returns bigint
      language plpgsql set search_path = '' as $$
      declare v_balance bigint;
      begin
        update public.wallets w set balance_paise = w.balance_paise - p_amount, updated_at = now()
          where w.org_id = p_org and w.balance_paise >= p_amount returning w.balance_paise into v_balance;
        if found then
          insert into public.wallet_transactions (org_id, kind, amount_paise, balance_after_paise, reference)
            values (p_org, 'debit', -p_amount, v_balance, p_reference) on conflict (reference) do nothing;
        end if;
        return v_balance;
      end $$;
      grant execute on function bench.update_and_insert(uuid, bigint, text) to service_role;`);
    const { rows } = await c.query<{ id: string }>("insert into public.organizations (name) values ('Wallet bench') returning id");
    const orgId = rows[0].id;
    await c.query("select private.wallet_credit($1, $2, $3)", [orgId, balancePaise, `bench:seed:${orgId}`]);
    return orgId;
  } finally {
    await c.end();
  }
}

async function connectAll(url: string, n: number): Promise<pg.Client[]> {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      // The app's system paths run as service_role (lib/db/tx withService); so does the bench.
      await c.query("set role service_role");
      return c;
    }),
  );
}

/** Runs one workload on every client until the deadline; each call is its own transaction (autocommit). */
async function slice(clients: pg.Client[], workload: Workload, ms: number, opts: BenchOptions, runId: string) {
  const amount = opts.amountPaise ?? 20;
  const start = performance.now();
  const deadline = start + ms;
  const perClient = await Promise.all(
    clients.map(async (c, w) => {
      let ops = 0;
      let failures = 0;
      for (let i = 0; performance.now() < deadline; i++) {
        const values = workload === "bare" ? [opts.orgId, amount] : [opts.orgId, amount, `bench:${runId}:${workload}:${w}:${i}`];
        const r = await c.query<{ ok: boolean }>({ name: `bench_${workload}`, text: SQL[workload], values });
        if (r.rows[0]?.ok) ops++;
        else failures++;
      }
      return { ops, failures };
    }),
  );
  return {
    ops: perClient.reduce((s, x) => s + x.ops, 0),
    failures: perClient.reduce((s, x) => s + x.failures, 0),
    seconds: (performance.now() - start) / 1000,
  };
}

export async function runWalletBench(opts: BenchOptions): Promise<Cell[]> {
  const cells: Cell[] = [];
  for (const concurrency of opts.concurrencies) {
    const clients = await connectAll(opts.url, concurrency);
    const runId = randomBytes(4).toString("hex");
    const totals = Object.fromEntries(WORKLOADS.map((w) => [w, { ops: 0, failures: 0, seconds: 0 }])) as Record<
      Workload,
      { ops: number; failures: number; seconds: number }
    >;
    try {
      const sliceMs = opts.durationMs / opts.slices;
      // A short warm-up of each (plan caches, buffers), not counted.
      for (const w of WORKLOADS) await slice(clients, w, Math.min(300, sliceMs), opts, `${runId}w`);
      for (let i = 0; i < opts.slices; i++) {
        // Rotate the order so no workload always runs first (or right after a checkpoint, say).
        const order = WORKLOADS.map((_, k) => WORKLOADS[(k + i) % WORKLOADS.length]);
        for (const w of order) {
          const r = await slice(clients, w, sliceMs, opts, `${runId}s${i}`);
          totals[w].ops += r.ops;
          totals[w].failures += r.failures;
          totals[w].seconds += r.seconds;
        }
      }
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
    for (const workload of WORKLOADS) {
      const t = totals[workload];
      cells.push({ workload, concurrency, ...t, perSecond: t.ops / t.seconds });
    }
    opts.log?.(
      `  ${concurrency} connection(s): ` +
        WORKLOADS.map((w) => `${w} ${Math.round(totals[w].ops / totals[w].seconds)}/s`).join(", "),
    );
  }
  return cells;
}

export function ratio(cells: Cell[], concurrency: number, a: Workload, b: Workload): number {
  const x = cells.find((c) => c.concurrency === concurrency && c.workload === a);
  const y = cells.find((c) => c.concurrency === concurrency && c.workload === b);
  return x && y && y.perSecond > 0 ? x.perSecond / y.perSecond : NaN;
}

/** The table the bench prints: per concurrency, the four rates and their ratios. */
export function formatReport(cells: Cell[]): string[] {
  const levels = [...new Set(cells.map((c) => c.concurrency))];
  const pct = (r: number) => (Number.isFinite(r) ? `${(r * 100).toFixed(0)}%` : "n/a");
  const rate = (n: number, w: Workload) => (cells.find((c) => c.concurrency === n && c.workload === w)?.perSecond ?? 0).toFixed(0);
  const header = ["connections", "debit/s", "in_tx/s", "floor/s", "bare UPDATE/s", "debit/bare", "in_tx/bare", "failures"];
  const rows = levels.map((n) => [
    String(n),
    rate(n, "debit"),
    rate(n, "in_tx"),
    rate(n, "floor"),
    rate(n, "bare"),
    pct(ratio(cells, n, "debit", "bare")),
    pct(ratio(cells, n, "in_tx", "bare")),
    String(cells.filter((c) => c.concurrency === n).reduce((s, c) => s + c.failures, 0)),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join(" | ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("-|-"), ...rows.map(line)];
}
