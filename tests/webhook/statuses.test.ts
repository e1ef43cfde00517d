import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as webhookRoute from "../../app/api/webhook/route";
import { closePools } from "../../lib/db/pool";
import { withService } from "../../lib/db/tx";
import { getBalance } from "../../lib/wallet/wallet";
import { combineChanges, statusPayload, type StatusName } from "../../lib/whatsapp/webhook-payloads";
import { serveRoutes } from "../helpers/serve-routes";
import { makeOrgWithChannel, makeOutbound, postWebhook, shuffle, waitProcessed } from "../helpers/webhook";

let server: Awaited<ReturnType<typeof serveRoutes>>;
beforeAll(async () => {
  server = await serveRoutes({ "/api/webhook": webhookRoute });
});
afterAll(async () => {
  await server.close();
  await closePools();
});

type Org = Awaited<ReturnType<typeof makeOrgWithChannel>>;

async function deliver(org: Org, out: { wamid: string; to: string }, status: StatusName, error?: { code: number; title: string }, at?: Date) {
  const res = await postWebhook(server.url, statusPayload(org.channel.meta, { wamid: out.wamid, recipientId: out.to, status, error, at }));
  expect(res.status).toBe(200);
  await waitProcessed([`status:${out.wamid}:${status}`]);
}

async function message(id: string) {
  const { rows } = await withService((db) =>
    db.query<{ status: string; error_code: number | null; error_title: string | null; refunded: boolean; delivered_at: Date | null; read_at: Date | null; failed_at: Date | null }>(
      "select status, error_code, error_title, refunded, delivered_at, read_at, failed_at from public.messages where id = $1",
      [id],
    ),
  );
  return rows[0];
}

async function refunds(messageId: string) {
  const { rows } = await withService((db) =>
    db.query<{ amount_paise: number }>("select amount_paise from public.wallet_transactions where message_id = $1 and kind = 'refund'", [messageId]),
  );
  return rows;
}

const ORDERS: StatusName[][] = [
  ["sent", "delivered", "read"],
  ["sent", "read", "delivered"],
  ["delivered", "sent", "read"],
  ["delivered", "read", "sent"],
  ["read", "sent", "delivered"],
  ["read", "delivered", "sent"],
];

describe("statuses move an outbound message forward only", () => {
  it.each(ORDERS.map((o) => [o.join(" → "), o] as const))("%s ends at read", async (_, order) => {
    const org = await makeOrgWithChannel({ balancePaise: 1_000 });
    const out = await makeOutbound(org, { status: "pending" });
    for (const s of order) await deliver(org, out, s);
    const m = await message(out.messageId);
    expect(m.status).toBe("read");
    expect(m.read_at).not.toBeNull();
  });

  it("ends at the highest status when all of them arrive at once, several times, concurrently", async () => {
    const org = await makeOrgWithChannel({ balancePaise: 1_000 });
    const out = await makeOutbound(org);
    const statuses: StatusName[] = ["sent", "delivered", "read"];
    const posts = shuffle([...statuses, ...statuses, ...statuses]).map((s) =>
      postWebhook(server.url, statusPayload(org.channel.meta, { wamid: out.wamid, recipientId: out.to, status: s })),
    );
    expect((await Promise.all(posts)).map((r) => r.status)).toEqual(Array(9).fill(200));
    await waitProcessed(statuses.map((s) => `status:${out.wamid}:${s}`));
    expect((await message(out.messageId)).status).toBe("read");
  });

  it("a late failed after read does not downgrade, keeps no error and refunds nothing", async () => {
    const org = await makeOrgWithChannel({ balancePaise: 1_000 });
    const out = await makeOutbound(org);
    await deliver(org, out, "read");
    await deliver(org, out, "failed", { code: 131000, title: "Something went wrong" });
    const m = await message(out.messageId);
    expect(m).toMatchObject({ status: "read", error_code: null, refunded: false, failed_at: null });
    expect(await refunds(out.messageId)).toHaveLength(0);
  });

  it("a failed after delivered does not apply either (the message reached the phone; the fee was earned)", async () => {
    const org = await makeOrgWithChannel({ balancePaise: 1_000 });
    const out = await makeOutbound(org);
    await deliver(org, out, "delivered");
    await deliver(org, out, "failed", { code: 131000, title: "Something went wrong" });
    expect(await message(out.messageId)).toMatchObject({ status: "delivered", error_code: null, refunded: false });
    expect(await refunds(out.messageId)).toHaveLength(0);
  });

  it("failed after sent applies, keeps Meta's code and title, and nothing moves it afterwards", async () => {
    const org = await makeOrgWithChannel({ balancePaise: 1_000 });
    const out = await makeOutbound(org);
    await deliver(org, out, "sent");
    await deliver(org, out, "failed", { code: 131026, title: "Message undeliverable" });
    await deliver(org, out, "delivered");
    await deliver(org, out, "read");
    const m = await message(out.messageId);
    expect(m).toMatchObject({ status: "failed", error_code: 131026, error_title: "Message undeliverable", delivered_at: null, read_at: null });
    expect(m.failed_at).not.toBeNull();
  });
});

describe("failed statuses refund per policy, exactly once", () => {
  it("refunds a refundable failure (Meta's 131000) once, although the status arrives three times concurrently", async () => {
    const org = await makeOrgWithChannel({ balancePaise: 1_000 });
    const out = await makeOutbound(org, { feePaise: 20 });
    expect(await withService((db) => getBalance(db, org.orgId))).toBe(980);
    const payload = statusPayload(org.channel.meta, { wamid: out.wamid, recipientId: out.to, status: "failed", error: { code: 131000, title: "Something went wrong" } });
    const res = await Promise.all([1, 2, 3].map(() => postWebhook(server.url, payload)));
    expect(res.map((r) => r.status)).toEqual([200, 200, 200]);
    await waitProcessed([`status:${out.wamid}:failed`]);
    // And once more later, after processing: still nothing new.
    await deliver(org, out, "failed", { code: 131000, title: "Something went wrong" });
    expect(await refunds(out.messageId)).toEqual([{ amount_paise: 20 }]);
    expect(await message(out.messageId)).toMatchObject({ status: "failed", refunded: true, error_code: 131000 });
    expect(await withService((db) => getBalance(db, org.orgId))).toBe(1_000);
  });

  it("does not refund a failure the policy keeps (131026 undeliverable: the recipient's side)", async () => {
    const org = await makeOrgWithChannel({ balancePaise: 1_000 });
    const out = await makeOutbound(org, { feePaise: 20 });
    await deliver(org, out, "failed", { code: 131026, title: "Message undeliverable" });
    expect(await message(out.messageId)).toMatchObject({ status: "failed", refunded: false, error_code: 131026 });
    expect(await refunds(out.messageId)).toHaveLength(0);
    expect(await withService((db) => getBalance(db, org.orgId))).toBe(980);
  });

  it("refunds an expired-token failure (190) and marks the channel token_expired", async () => {
    const org = await makeOrgWithChannel({ balancePaise: 1_000 });
    const out = await makeOutbound(org, { feePaise: 20 });
    await deliver(org, out, "failed", { code: 190, title: "Access token has expired" });
    expect(await refunds(out.messageId)).toEqual([{ amount_paise: 20 }]);
    const { rows } = await withService((db) => db.query<{ status: string }>("select status from public.channels where id = $1", [org.channel.id]));
    expect(rows[0].status).toBe("token_expired");
  });

  it("handles several statuses for several messages in one POST", async () => {
    const org = await makeOrgWithChannel({ balancePaise: 1_000 });
    const [a, b, c] = [await makeOutbound(org), await makeOutbound(org), await makeOutbound(org)];
    const payload = combineChanges(
      statusPayload(org.channel.meta, { wamid: a.wamid, recipientId: a.to, status: "delivered" }),
      statusPayload(org.channel.meta, { wamid: b.wamid, recipientId: b.to, status: "read" }),
      statusPayload(org.channel.meta, { wamid: c.wamid, recipientId: c.to, status: "failed", error: { code: 130429, title: "Rate limit hit" } }),
      statusPayload(org.channel.meta, { wamid: a.wamid, recipientId: a.to, status: "sent" }),
    );
    expect((await postWebhook(server.url, payload)).status).toBe(200);
    await waitProcessed([`status:${a.wamid}:delivered`, `status:${b.wamid}:read`, `status:${c.wamid}:failed`, `status:${a.wamid}:sent`]);
    expect((await message(a.messageId)).status).toBe("delivered");
    expect((await message(b.messageId)).status).toBe("read");
    expect(await message(c.messageId)).toMatchObject({ status: "failed", refunded: true });
  });

  it("retries a status that overtook the send pipeline, and applies it once the wamid exists", async () => {
    const org = await makeOrgWithChannel({ balancePaise: 1_000 });
    const out = await makeOutbound(org);
    // Pretend the send pipeline has not stored the wamid yet.
    await withService((db) => db.query("update public.messages set wamid = null where id = $1", [out.messageId]));
    await postWebhook(server.url, statusPayload(org.channel.meta, { wamid: out.wamid, recipientId: out.to, status: "delivered" }));
    const eventId = `status:${out.wamid}:delivered`;
    const deadline = Date.now() + 15_000;
    let ev: { attempts: number; processed_at: Date | null; next_attempt_at: Date | null; last_error: string | null } | undefined;
    while (Date.now() < deadline) {
      const { rows } = await withService((db) =>
        db.query<NonNullable<typeof ev>>("select attempts, processed_at, next_attempt_at, last_error from public.webhook_events where event_id = $1", [eventId]),
      );
      ev = rows[0];
      if (ev?.attempts) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(ev).toMatchObject({ attempts: 1, processed_at: null });
    expect(ev!.next_attempt_at).not.toBeNull();
    expect(ev!.last_error).toMatch(/no message/);
    // The send pipeline stores the wamid; the event becomes due; the sweep applies it.
    await withService(async (db) => {
      await db.query("update public.messages set wamid = $2 where id = $1", [out.messageId, out.wamid]);
      await db.query("update public.webhook_events set next_attempt_at = now() where event_id = $1", [eventId]);
    });
    const { sweepWebhookEvents } = await import("../../lib/whatsapp/webhook-process");
    await sweepWebhookEvents({ orgIds: [org.orgId] });
    expect((await message(out.messageId)).status).toBe("delivered");
  });
});
