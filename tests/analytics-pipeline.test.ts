import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { orgAnalytics } from "../lib/analytics/org";
import { addDays, analyticsQuerySchema, today } from "../lib/analytics/range";
import { foldAllMessageStats } from "../lib/analytics/rollup";
import { closePools } from "../lib/db/pool";
import { withService } from "../lib/db/tx";
import { signMetaPayload } from "../lib/whatsapp/signature";
import { inboundTextPayload } from "../lib/whatsapp/webhook-payloads";
import { sweepWebhookEvents } from "../lib/whatsapp/webhook-process";
import { ledger, makeContact, makeTenant, phone, startLoop } from "./helpers/messaging";

// The analytics figures follow the real pipeline: sends through the API (charged, refunded per
// policy) to the sandbox Graph API over HTTP, its signed sent/delivered/read/failed statuses and an
// inbound message back through the real webhook route. Nothing is written to messages by the test.

let loop: Awaited<ReturnType<typeof startLoop>>;
let app: Awaited<ReturnType<typeof startLoop>>["app"];

beforeAll(async () => {
  loop = await startLoop();
  ({ app } = loop);
});
afterAll(async () => {
  await loop.close();
  await closePools();
});

async function statuses(orgId: string): Promise<string[]> {
  await sweepWebhookEvents({ orgIds: [orgId] });
  const { rows } = await withService((db) =>
    db.query<{ status: string }>("select status from public.messages where org_id = $1 and direction = 'outbound' order by status", [orgId]),
  );
  return rows.map((r) => r.status);
}

describe("analytics over the real send pipeline and webhook", () => {
  it("counts what the pipeline did, and the fees equal the ledger's debits less refunds", async () => {
    const t = await makeTenant({ balancePaise: 1_000, feePaise: 20 });
    const from = phone().slice(1);
    const inbound = inboundTextPayload(
      { phoneNumberId: t.channel.phone_number_id, displayPhoneNumber: t.channel.display_phone_number },
      { from, wamid: `wamid.analytics-${Date.now()}`, text: "Hi, is my order ready?", profileName: "Asha" },
    );
    const raw = JSON.stringify(inbound);
    const posted = await fetch(`${app.url}/api/webhook`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-hub-signature-256": signMetaPayload(raw, process.env.META_APP_SECRET!) },
      body: raw,
    });
    expect(posted.status).toBe(200);

    // Two that end read, one undeliverable at once (fee kept), one failed later by a status
    // webhook (fee kept), and last one refused for an expired token (refunded).
    const recipients = [phone(), phone(), phone("1026"), phone("2026"), phone("0190")];
    for (const to of recipients) {
      await makeContact(t.orgId, to.slice(1));
      await fetch(`${app.url}/api/v1/messages`, {
        method: "POST",
        headers: { authorization: `Bearer ${t.apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ to, type: "text", text: { body: "Your order is ready" } }),
      });
    }
    const until = Date.now() + 15_000;
    let seen = await statuses(t.orgId);
    while (seen.join() !== "failed,failed,failed,read,read" && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
      seen = await statuses(t.orgId);
    }
    expect(seen).toEqual(["failed", "failed", "failed", "read", "read"]);

    const q = analyticsQuerySchema.parse({ from: addDays(today(), -1), to: today() });
    const figures = await t.asUser((db) => orgAnalytics(db, t.orgId, q));
    expect(figures.totals).toMatchObject({ outbound: 5, pending: 0, sent: 2, delivered: 2, read: 2, failed: 3, inbound: 1, fees_paise: 80 });
    expect(figures.totals.delivery_rate).toBe(0.4); // 2 of 5 attempts reached the phone
    const entries = await ledger(t.orgId);
    const net = -entries.filter((e) => e.kind === "debit" || e.kind === "refund").reduce((s, e) => s + e.amount_paise, 0);
    expect(net).toBe(80);
    expect(figures.channels).toEqual([expect.objectContaining({ id: t.channel.id, outbound: 5, inbound: 1, fees_paise: 80 })]);

    await foldAllMessageStats();
    expect(await t.asUser((db) => orgAnalytics(db, t.orgId, q))).toEqual(figures);
  });
});
