// npm run bench:razorpay — how fast the Razorpay webhook and the Checkout verification answer
// under duplicate, concurrent deliveries (Razorpay counts an answer slower than 5 s as failed),
// and a check that every payment was still credited exactly once. Prints figures; asserts only
// correctness. Runs on a throwaway embedded PostgreSQL, the real route handlers over loopback
// HTTP, and the sandbox Razorpay through the real SDK.
//   BENCH_ORDERS=200 BENCH_CONCURRENCY=16 npm run bench:razorpay
import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import path from "node:path";

const ORDERS = Number(process.env.BENCH_ORDERS ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const dataDir = path.resolve(".test-data", `bench-razorpay-${process.pid}`);

const { startEmbeddedPostgres } = await import("../../lib/db/embedded");
const { migrate } = await import("../../lib/db/migrate");
const pgServer = await startEmbeddedPostgres({ dataDir, password: "bench", database: "bench", unsafeFast: false });
await migrate(pgServer.url);
Object.assign(process.env, {
  DATABASE_URL: pgServer.url,
  AUTH_SECRET: randomUUID() + randomUUID(),
  APP_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString("base64"),
  LOG_LEVEL: "silent",
  NODE_ENV: "test",
});

const { closePools } = await import("../../lib/db/pool");
const { withService } = await import("../../lib/db/tx");
const { resetEnvCache } = await import("../../lib/config/env");
const { signSession } = await import("../../lib/auth/session");
const { webhookSignature } = await import("../../lib/payments/signature");
const { startRazorpaySandbox } = await import("../../lib/sandbox/razorpay-server");
const { serveRoutes } = await import("../../tests/helpers/serve-routes");
const webhookRoute = await import("../../app/api/razorpay/webhook/route");
const rechargeRoute = await import("../../app/api/wallet/recharge/route");
const verifyRoute = await import("../../app/api/wallet/recharge/verify/route");

const app = await serveRoutes({
  "/api/razorpay/webhook": webhookRoute,
  "/api/wallet/recharge": rechargeRoute,
  "/api/wallet/recharge/verify": verifyRoute,
});
const sandbox = await startRazorpaySandbox({ webhookUrl: `${app.url}/api/razorpay/webhook` });
Object.assign(process.env, {
  RAZORPAY_SANDBOX_URL: sandbox.url,
  SANDBOX_RAZORPAY_KEY_SECRET: sandbox.keySecret,
  SANDBOX_RAZORPAY_WEBHOOK_SECRET: sandbox.webhookSecret,
});
resetEnvCache();

const auth = `Basic ${Buffer.from(`${sandbox.keyId}:${sandbox.keySecret}`).toString("base64")}`;
type Order = { orgId: string; cookie: string; amount: number; paymentRowId: string; orderId: string; pay: Record<string, string> };
const orders: Order[] = [];
for (let i = 0; i < ORDERS; i++) {
  const { orgId, user } = await withService(async (db) => {
    const email = `bench-${randomUUID()}@example.test`;
    const u = await db.query<{ id: string }>("insert into auth.users (email) values ($1) returning id", [email]);
    await db.query("insert into public.profiles (user_id, email) values ($1, $2)", [u.rows[0].id, email]);
    const o = await db.query<{ id: string }>("insert into public.organizations (name) values ($1) returning id", [`Bench ${i}`]);
    await db.query("insert into public.memberships (org_id, user_id, role) values ($1, $2, 'owner')", [o.rows[0].id, u.rows[0].id]);
    return { orgId: o.rows[0].id, user: { id: u.rows[0].id, email } };
  });
  const cookie = `wa_session=${await signSession(user)}`;
  const amount = 10_000 + i;
  const started = (await (
    await fetch(`${app.url}/api/wallet/recharge`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie },
      body: JSON.stringify({ amount_paise: amount }),
    })
  ).json()) as { payment_id: string; order_id: string };
  const pay = (await (
    await fetch(`${sandbox.url}/_sandbox/orders/${started.order_id}/pay`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: auth },
      body: JSON.stringify({ outcome: "success", webhooks: "drop" }),
    })
  ).json()) as Record<string, string>;
  orders.push({ orgId, cookie, amount, paymentRowId: started.payment_id, orderId: started.order_id, pay });
}

// Per order: payment.captured twice (a retry, same event id), order.paid twice, the Checkout callback once.
type Job = { kind: "webhook" | "verify"; run: () => Promise<Response> };
const jobs: Job[] = [];
for (const o of orders) {
  const payment = { id: o.pay.razorpay_payment_id, entity: "payment", amount: o.amount, currency: "INR", status: "captured", order_id: o.orderId, captured: true };
  for (const [event, payload] of [
    ["payment.captured", { payment: { entity: payment } }],
    ["order.paid", { payment: { entity: payment }, order: { entity: { id: o.orderId, amount: o.amount, status: "paid" } } }],
  ] as const) {
    const body = JSON.stringify({ entity: "event", event, contains: Object.keys(payload), payload });
    const eventId = `evt_${randomUUID()}`;
    for (let k = 0; k < 2; k++) {
      jobs.push({
        kind: "webhook",
        run: () =>
          fetch(`${app.url}/api/razorpay/webhook`, {
            method: "POST",
            headers: { "content-type": "application/json", "x-razorpay-event-id": eventId, "x-razorpay-signature": webhookSignature(body, sandbox.webhookSecret) },
            body,
          }),
      });
    }
  }
  jobs.push({
    kind: "verify",
    run: () =>
      fetch(`${app.url}/api/wallet/recharge/verify`, {
        method: "POST",
        headers: { "content-type": "application/json", cookie: o.cookie },
        body: JSON.stringify({ payment_id: o.paymentRowId, ...o.pay }),
      }),
  });
}
for (let i = jobs.length - 1; i > 0; i--) {
  const j = Math.floor(Math.random() * (i + 1));
  [jobs[i], jobs[j]] = [jobs[j], jobs[i]];
}

const latencies: Record<Job["kind"], number[]> = { webhook: [], verify: [] };
let failures = 0;
let next = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (next < jobs.length) {
      const job = jobs[next++];
      const t = performance.now();
      const res = await job.run();
      await res.arrayBuffer();
      latencies[job.kind].push(performance.now() - t);
      if (res.status !== 200) failures++;
    }
  }),
);
const elapsed = (performance.now() - started) / 1000;

const check = await withService(async (db) => {
  const { rows } = await db.query<{ org_id: string; balance_paise: number; credits: number }>(
    `select w.org_id, w.balance_paise, (select count(*)::int from public.wallet_transactions t where t.org_id = w.org_id and t.kind = 'credit') as credits
     from public.wallets w`,
  );
  return rows;
});
const byOrg = new Map(check.map((r) => [r.org_id, r]));
const wrong = orders.filter((o) => byOrg.get(o.orgId)?.balance_paise !== o.amount || byOrg.get(o.orgId)?.credits !== 1);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))].toFixed(1);
};
console.log(`Razorpay settle bench: ${ORDERS} paid orders, ${jobs.length} deliveries (2x payment.captured, 2x order.paid, 1x checkout callback each), concurrency ${CONCURRENCY}`);
console.log(`  throughput: ${(jobs.length / elapsed).toFixed(0)} requests/s over ${elapsed.toFixed(2)} s; non-200 answers: ${failures}`);
for (const kind of ["webhook", "verify"] as const) {
  const xs = latencies[kind];
  console.log(`  ${kind.padEnd(7)} ms: p50 ${pct(xs, 50)}  p95 ${pct(xs, 95)}  p99 ${pct(xs, 99)}  max ${Math.max(...xs).toFixed(1)}  (n=${xs.length})`);
}
console.log(`  exactly once: ${wrong.length === 0 ? "yes" : "NO"} (${orders.length - wrong.length}/${orders.length} wallets credited once with the right amount)`);

await sandbox.stop();
await app.close();
await closePools();
await pgServer.stop();
await rm(dataDir, { recursive: true, force: true });
process.exit(wrong.length === 0 && failures === 0 ? 0 : 1);
