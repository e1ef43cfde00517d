import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closePools } from "../../lib/db/pool";
import { withService } from "../../lib/db/tx";
import type { SandboxGraphServer } from "../../lib/sandbox/graph-server";
import { getBalance } from "../../lib/wallet/wallet";
import { signMetaPayload } from "../../lib/whatsapp/signature";
import { inboundTextPayload } from "../../lib/whatsapp/webhook-payloads";
import { sweepWebhookEvents } from "../../lib/whatsapp/webhook-process";
import { makeTenant, phone, startLoop } from "../helpers/messaging";

// The whole loop with nothing faked on our side: signed inbound webhooks reach the real route,
// the auto-reply goes through the real send pipeline (charged) to the sandbox Graph API over
// HTTP, and the sandbox's signed sent/delivered/read statuses come back through the same route.

let loop: Awaited<ReturnType<typeof startLoop>>;
let app: Awaited<ReturnType<typeof startLoop>>["app"];
let graph: SandboxGraphServer;

beforeAll(async () => {
  loop = await startLoop();
  ({ app, graph } = loop);
});
afterAll(async () => {
  await loop.close();
  await closePools();
});

async function waitFor<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > until) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("inbound → auto-reply → statuses, through real HTTP on both sides", () => {
  it("a message delivered three times concurrently gets one auto-reply, one charge, and the reply ends read", async () => {
    const t = await makeTenant({ balancePaise: 1_000, feePaise: 20 });
    await withService((db) =>
      db.query(
        "insert into public.automation_rules (org_id, name, match_type, keyword, reply_text) values ($1, 'Hi', 'contains', 'hello', 'Hi! How can we help?')",
        [t.orgId],
      ),
    );
    const from = phone().slice(1);
    const payload = inboundTextPayload(
      { phoneNumberId: t.channel.phone_number_id, displayPhoneNumber: t.channel.display_phone_number },
      { from, wamid: `wamid.loop-${Date.now()}`, text: "Hello there", profileName: "Ravi" },
    );
    const raw = JSON.stringify(payload);
    const sig = signMetaPayload(raw, process.env.META_APP_SECRET!);
    const answers = await Promise.all(
      [0, 1, 2].map(() =>
        fetch(`${app.url}/api/webhook`, { method: "POST", headers: { "content-type": "application/json", "x-hub-signature-256": sig }, body: raw }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);

    const reply = await waitFor(
      () =>
        withService(async (db) => {
          await sweepWebhookEvents({ orgIds: [t.orgId] });
          const { rows } = await db.query<{ status: string; text: string }>(
            "select status, text from public.messages where org_id = $1 and direction = 'outbound'",
            [t.orgId],
          );
          return rows;
        }),
      (rows) => rows.length === 1 && rows[0].status === "read",
    );
    expect(reply).toEqual([{ status: "read", text: "Hi! How can we help?" }]);

    const counts = await withService(async (db) => {
      const { rows } = await db.query<{ inbound: number; contacts: number; debits: number }>(
        `select (select count(*)::int from public.messages where org_id = $1 and direction = 'inbound') as inbound,
                (select count(*)::int from public.contacts where org_id = $1 and wa_id = $2) as contacts,
                (select count(*)::int from public.wallet_transactions where org_id = $1 and kind = 'debit') as debits`,
        [t.orgId, from],
      );
      return rows[0];
    });
    expect(counts).toEqual({ inbound: 1, contacts: 1, debits: 1 });
    expect(graph.state.sent.filter((s) => s.to === from || s.to === `+${from}`)).toHaveLength(1);
    expect(await withService((db) => getBalance(db, t.orgId))).toBe(980);
  });
});

describe("tenant webhooks from the message loop", () => {
  it("an inbound message and each forward status become one delivery each for a subscribed endpoint", async () => {
    const t = await makeTenant({ balancePaise: 1_000 });
    await withService((db) =>
      db.query(
        `insert into public.webhook_endpoints (org_id, url, events, secret_encrypted)
         select $1, 'https://hooks.example.test/wa', array['message.received', 'message.status'], 'x'`,
        [t.orgId],
      ),
    );
    await withService((db) =>
      db.query("insert into public.automation_rules (org_id, name, match_type, keyword, reply_text) values ($1, 'Hi', 'exact', 'hi', 'Hello!')", [t.orgId]),
    );
    const from = phone().slice(1);
    const raw = JSON.stringify(
      inboundTextPayload({ phoneNumberId: t.channel.phone_number_id, displayPhoneNumber: t.channel.display_phone_number }, { from, wamid: `wamid.hook-${Date.now()}`, text: "hi" }),
    );
    const sig = signMetaPayload(raw, process.env.META_APP_SECRET!);
    for (let i = 0; i < 2; i++) {
      await fetch(`${app.url}/api/webhook`, { method: "POST", headers: { "content-type": "application/json", "x-hub-signature-256": sig }, body: raw });
    }
    const types = await waitFor(
      () =>
        withService(async (db) => {
          await sweepWebhookEvents({ orgIds: [t.orgId] });
          const { rows } = await db.query<{ event_type: string; status: string | null }>(
            "select event_type, payload ->> 'status' as status from public.webhook_deliveries where org_id = $1 order by id",
            [t.orgId],
          );
          return rows.map((r) => `${r.event_type}${r.status ? `:${r.status}` : ""}`);
        }),
      (rows) => rows.includes("message.status:read"),
    );
    // Statuses that arrive together move the message straight to the furthest one, so `delivered`
    // may be folded into `read`; each event is delivered at most once, in order.
    expect(types.filter((x) => x !== "message.status:delivered")).toEqual(["message.received", "message.status:sent", "message.status:read"]);
    expect(new Set(types).size).toBe(types.length);
  });
});
