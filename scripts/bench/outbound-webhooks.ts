// npm run bench:outbound-webhooks [-- --seconds 5 --concurrency 8 --deliveries 2000]
// 1. emitEvent on the hot path: transactions per second from `concurrency` connections, each one a
//    small write (the caller's own change) plus emitEvent, for an organization with no endpoints and
//    one with 3 subscribed endpoints, beside the same transaction without emitEvent (the floor).
// 2. The delivery worker: deliveries per second to a local receiver (loopback HTTP, answers 200),
//    with the default batch size and concurrency, one worker and two.
// On an embedded PostgreSQL started fresh for the run (normal durability) and removed afterwards.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { randomUUID } from "node:crypto";
import { startEmbeddedPostgres } from "../../lib/db/embedded";
import { migrate } from "../../lib/db/migrate";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "5" },
    concurrency: { type: "string", default: "8" },
    deliveries: { type: "string", default: "2000" },
  },
});
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const total = Number(values.deliveries);

const dataDir = await mkdtemp(path.join(os.tmpdir(), "outbound-webhooks-bench-"));
const db = await startEmbeddedPostgres({
  dataDir: path.join(dataDir, "pg"),
  port: process.env.EMBEDDED_PG_PORT ? Number(process.env.EMBEDDED_PG_PORT) : undefined,
  password: "bench",
  database: "bench",
});
process.env.DATABASE_URL = db.url;
process.env.APP_ENCRYPTION_KEY ??= Buffer.alloc(32, 9).toString("base64");
process.env.DATABASE_POOL_SIZE = String(concurrency + 4);
const { withService } = await import("../../lib/db/tx");
const { closePools } = await import("../../lib/db/pool");
const { emitEvent, eventIds } = await import("../../lib/webhooks/events");
const { createEndpoint } = await import("../../lib/webhooks/endpoints");
const { deliverDueWebhooks } = await import("../../lib/webhooks/delivery");

async function org(): Promise<string> {
  return withService(async (c) => (await c.query<{ id: string }>("insert into public.organizations (name) values ('bench') returning id")).rows[0].id);
}

async function rate(label: string, once: () => Promise<unknown>): Promise<number> {
  let n = 0;
  const end = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        await once();
        n++;
      }
    }),
  );
  const perSecond = n / seconds;
  console.log(`  ${label.padEnd(52)} ${Math.round(perSecond).toString().padStart(6)} /s`);
  return perSecond;
}

const data = (wamid: string) => ({
  message_id: randomUUID(),
  wamid,
  channel_id: null,
  contact_id: null,
  from: "919800000001",
  profile_name: "Bench",
  type: "text",
  text: "hello",
  content: { text: { body: "hello" } },
  timestamp: new Date().toISOString(),
});

let code = 0;
const rx = http.createServer((req, res) => {
  req.resume();
  req.on("end", () => res.end("ok"));
});
try {
  await migrate(db.url);
  console.log(`outbound webhooks bench: ${os.cpus().length} CPUs, ${concurrency} connections, ${seconds}s per row`);
  const none = await org();
  const three = await org();
  await new Promise<void>((r) => rx.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(rx.address() as AddressInfo).port}/hook`;
  for (let i = 0; i < 3; i++) await createEndpoint({ orgId: three, url: `${url}?e=${i}`, events: ["message.received"] });

  console.log("emitEvent (one event per transaction):");
  // The caller's own change (one row, like storing an inbound message), then the same with the event.
  const change = (c: import("../../lib/db/tx").Db, orgId: string) =>
    c.query("insert into public.notifications (org_id, kind, title) values ($1, 'bench', 'bench')", [orgId]);
  await rate("the caller's change alone (floor)", () => withService((c) => change(c, none)));
  await rate("change + emitEvent, organization without endpoints", () =>
    withService(async (c) => {
      await change(c, none);
      await emitEvent(c, { orgId: none, type: "message.received", id: eventIds.messageReceived(randomUUID()), data: data("w") });
    }),
  );
  const fanout = await rate("change + emitEvent, 3 subscribed endpoints", () =>
    withService(async (c) => {
      await change(c, three);
      await emitEvent(c, { orgId: three, type: "message.received", id: eventIds.messageReceived(randomUUID()), data: data("w") });
    }),
  );
  console.log(`  = ${Math.round(fanout * 3)} delivery rows/s`);

  // Start the delivery measurement from an empty queue.
  await withService((c) => c.query("delete from public.webhook_deliveries"));
  console.log(`delivery worker (${total} deliveries to a loopback receiver):`);
  for (const workers of [1, 2]) {
    await withService(async (c) => {
      for (let i = 0; i < total / 3; i++) {
        await emitEvent(c, { orgId: three, type: "message.received", id: eventIds.messageReceived(randomUUID()), data: data("w") });
      }
    });
    const queued = (await withService((c) => c.query<{ n: number }>("select count(*)::int as n from public.webhook_deliveries where status = 'pending'"))).rows[0].n;
    const t0 = Date.now();
    const done = await Promise.all(Array.from({ length: workers }, () => deliverDueWebhooks({ policy: { allowLoopback: true }, maxBatches: 10_000 })));
    const secs = (Date.now() - t0) / 1000;
    const sent = done.reduce((a, b) => a + b, 0);
    console.log(`  ${`${workers} worker(s): ${sent} of ${queued} delivered in ${secs.toFixed(1)} s`.padEnd(52)} ${Math.round(sent / secs).toString().padStart(6)} /s`);
  }
} catch (err) {
  console.error(err);
  code = 1;
} finally {
  rx.close();
  await closePools();
  await db.stop();
  await rm(dataDir, { recursive: true, force: true });
}
process.exit(code);
