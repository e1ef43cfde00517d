import pg from "pg";

// int8 (bigint) columns hold paise. Parse them to JS numbers: every balance we can hold is far
// below 2^53 paise (₹90 trillion), and a number keeps arithmetic and JSON simple and exact.
pg.types.setTypeParser(20, (v: string) => {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new Error(`int8 value ${v} is outside the safe integer range`);
  return n;
});

const globalForPool = globalThis as unknown as { __pgPools?: Map<string, pg.Pool> };

/** One pool per connection string per process (Next.js dev reloads modules; the pool survives). */
export function getPool(url: string = requireDatabaseUrl()): pg.Pool {
  globalForPool.__pgPools ??= new Map();
  let pool = globalForPool.__pgPools.get(url);
  if (!pool) {
    pool = new pg.Pool({
      connectionString: url,
      max: Number(process.env.DATABASE_POOL_SIZE ?? 20),
      idleTimeoutMillis: 30_000,
    });
    pool.on("error", () => {
      // An idle client lost its connection (database restart); the pool replaces it on next use.
    });
    globalForPool.__pgPools.set(url, pool);
  }
  return pool;
}

/**
 * A pool whose connections run as service_role for their whole session (see serviceQuery in
 * service-query.ts). Kept in the same registry, so closePools closes it too.
 */
export function getServicePool(url: string = requireDatabaseUrl()): pg.Pool {
  globalForPool.__pgPools ??= new Map();
  const key = `${url}#service_role`;
  let pool = globalForPool.__pgPools.get(key);
  if (!pool) {
    pool = new pg.Pool({
      connectionString: url,
      max: Number(process.env.DATABASE_SERVICE_POOL_SIZE ?? 12),
      idleTimeoutMillis: 30_000,
      // Awaited by the pool before the connection is handed out: nothing runs as the login role.
      onConnect: async (client) => void (await client.query("set role service_role")),
    });
    pool.on("error", () => undefined);
    globalForPool.__pgPools.set(key, pool);
  }
  return pool;
}

export async function closePools(): Promise<void> {
  const pools = globalForPool.__pgPools;
  if (!pools) return;
  globalForPool.__pgPools = new Map();
  await Promise.all([...pools.values()].map((p) => p.end()));
}

function requireDatabaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set (npm run dev sets it for the embedded database)");
  return url;
}
