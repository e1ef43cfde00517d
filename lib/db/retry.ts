// Postgres refuses some statements for reasons that are over by the time we ask again: chosen as a
// deadlock victim (40P01), a serialization failure (40001), a lock not available under lock_timeout
// (55P03). For a statement in its own transaction (autocommit) the failure rolled back everything it
// did, so it can simply run again; inside a larger transaction, the whole transaction has to.

const TRANSIENT = new Set(["40P01", "40001", "55P03"]);

/** True for a Postgres error that the same statement may not meet again. */
export function isTransientDbError(err: unknown): boolean {
  return TRANSIENT.has((err as { code?: string } | null)?.code ?? "");
}

/**
 * Runs `fn`, and again (up to `attempts` times in all, waiting baseMs, 2×baseMs, … between) while it
 * fails with a transient Postgres error. Any other error, or the last one, is thrown.
 */
export async function retryTransient<T>(fn: () => Promise<T>, opts: { attempts?: number; baseMs?: number } = {}): Promise<T> {
  const attempts = opts.attempts ?? 5;
  const baseMs = opts.baseMs ?? 20;
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= attempts || !isTransientDbError(err)) throw err;
      await new Promise((r) => setTimeout(r, baseMs * 2 ** (i - 1)));
    }
  }
}
