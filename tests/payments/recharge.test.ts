import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closePools } from "../../lib/db/pool";
import { withService } from "../../lib/db/tx";
import { checkoutSignature, webhookSignature } from "../../lib/payments/signature";
import { razorpayClient, razorpaySettings } from "../../lib/payments/razorpay";
import { reconcilePendingPayments } from "../../lib/payments/reconcile";
import { makeOrg } from "../helpers/factories";
import { books, cookieFor, deliverWebhook, eventStored, paymentEntity, post, startHarness, type Harness } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
  await closePools();
});

/** An owner with an open recharge of `amount` paise (a real order at the sandbox Razorpay). */
async function openRecharge(amount = 10_000) {
  const org = await makeOrg();
  const cookie = await cookieFor(org.user);
  const res = await post(`${h.app}/api/wallet/recharge`, { amount_paise: amount }, { cookie });
  expect(res.status).toBe(201);
  const started = (await res.json()) as { payment_id: string; order_id: string; key_id: string; mode: string; checkout_url: string };
  return { ...org, cookie, started };
}

/** The customer pays at the sandbox Razorpay; its webhooks are dropped unless asked for. */
async function payAtSandbox(orderId: string, outcome: "success" | "failure" = "success", webhooks: "deliver" | "drop" = "drop") {
  const s = razorpaySettings()!;
  const res = await fetch(`${s.apiUrl}/_sandbox/orders/${orderId}/pay`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Basic ${Buffer.from(`${s.keyId}:${s.keySecret}`).toString("base64")}`,
    },
    body: JSON.stringify({ outcome, webhooks }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { razorpay_payment_id: string; razorpay_order_id: string; razorpay_signature: string; error?: { metadata: { payment_id: string } } };
}

function shuffle<T>(xs: T[]): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

describe("starting a recharge", () => {
  it("creates a Razorpay order through the SDK and a pending payment", async () => {
    const { orgId, started } = await openRecharge(12_345);
    expect(started).toMatchObject({ mode: "sandbox", key_id: "rzp_test_sandbox" });
    expect(started.checkout_url).toBe(`/sandbox/checkout?order_id=${started.order_id}`);
    const order = (await razorpayClient(razorpaySettings()!).orders.fetch(started.order_id)) as unknown as {
      amount: number;
      receipt: string;
      notes: Record<string, string>;
    };
    expect(order.amount).toBe(12_345);
    expect(order.receipt.length).toBeLessThanOrEqual(40);
    expect(order.notes).toEqual({ org_id: orgId, payment_id: started.payment_id });
    const b = await books(orgId);
    expect(b.payments).toEqual([expect.objectContaining({ id: started.payment_id, status: "created", order_id: started.order_id })]);
    expect(b.balance).toBe(0);
  });

  it("refuses agents, strangers, amounts under ₹1 or over the maximum, and fractions of a paisa", async () => {
    const agent = await makeOrg({ role: "agent" });
    const agentRes = await post(`${h.app}/api/wallet/recharge`, { amount_paise: 10_000 }, { cookie: await cookieFor(agent.user) });
    expect(agentRes.status).toBe(403);
    expect((await post(`${h.app}/api/wallet/recharge`, { amount_paise: 10_000 })).status).toBe(401);
    const owner = await makeOrg();
    const cookie = await cookieFor(owner.user);
    for (const amount_paise of [99, 0, -100, 10_000_001, 100.5, "10000"]) {
      const res = await post(`${h.app}/api/wallet/recharge`, { amount_paise }, { cookie });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("invalid_request");
    }
    expect((await books(owner.orgId)).payments).toHaveLength(0);
    expect((await books(agent.orgId)).payments).toHaveLength(0);
  });
});

describe("checkout verification", () => {
  it("credits a correctly signed callback once; repeats are no-ops", async () => {
    const { orgId, cookie, started } = await openRecharge(10_000);
    const paid = await payAtSandbox(started.order_id);
    const body = { payment_id: started.payment_id, ...paid };
    const first = await post(`${h.app}/api/wallet/recharge/verify`, body, { cookie });
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ status: "credited", payment_id: started.payment_id });
    const again = await post(`${h.app}/api/wallet/recharge/verify`, body, { cookie });
    expect(await again.json()).toMatchObject({ status: "already_credited" });
    const b = await books(orgId);
    expect(b.balance).toBe(10_000);
    expect(b.ledger).toEqual([
      { kind: "credit", amount_paise: 10_000, reference: `rzp:${paid.razorpay_payment_id}`, payment_id: started.payment_id },
    ]);
    expect(b.payments[0]).toMatchObject({ status: "paid", payment_id: paid.razorpay_payment_id });
  });

  it("refuses a wrong, missing or other order's signature and writes nothing", async () => {
    const { orgId, cookie, started } = await openRecharge(50_000);
    const cheap = await openRecharge(100);
    const paidCheap = await payAtSandbox(cheap.started.order_id);
    const paid = await payAtSandbox(started.order_id);
    const attempts: Array<Record<string, unknown>> = [
      { payment_id: started.payment_id, razorpay_payment_id: paid.razorpay_payment_id, razorpay_signature: "0".repeat(64) },
      { payment_id: started.payment_id, razorpay_payment_id: paid.razorpay_payment_id },
      { payment_id: started.payment_id, razorpay_payment_id: paid.razorpay_payment_id, razorpay_signature: "" },
      // A real signature, but for the ₹1 order: it must not unlock the ₹500 one.
      { payment_id: started.payment_id, razorpay_payment_id: paidCheap.razorpay_payment_id, razorpay_signature: paidCheap.razorpay_signature },
      // Signed with the right order id but a forged key.
      {
        payment_id: started.payment_id,
        razorpay_payment_id: paid.razorpay_payment_id,
        razorpay_signature: checkoutSignature(started.order_id, paid.razorpay_payment_id, "not-the-key-secret"),
      },
      // The browser claims another order id.
      { ...paid, payment_id: started.payment_id, razorpay_order_id: cheap.started.order_id },
    ];
    for (const body of attempts) {
      const res = await post(`${h.app}/api/wallet/recharge/verify`, body, { cookie });
      expect(res.status).toBe(400);
    }
    // Another organization cannot verify this one's payment either.
    const other = await makeOrg();
    const stranger = await post(
      `${h.app}/api/wallet/recharge/verify`,
      { payment_id: started.payment_id, ...paid },
      { cookie: await cookieFor(other.user) },
    );
    expect(stranger.status).toBe(404);
    const b = await books(orgId);
    expect(b.balance).toBe(0);
    expect(b.ledger).toHaveLength(0);
    expect(b.payments[0]).toMatchObject({ status: "created", payment_id: null });
    expect((await books(cheap.orgId)).ledger).toHaveLength(0);
  });
});

describe("the webhook", () => {
  it("refuses a wrong, missing or replayed-with-changed-body signature with 401 and writes nothing", async () => {
    const { orgId, started } = await openRecharge(10_000);
    const paid = await payAtSandbox(started.order_id);
    const payload = { payment: { entity: paymentEntity({ id: paid.razorpay_payment_id, order_id: started.order_id, amount: 10_000 }) } };
    const body = JSON.stringify({ entity: "event", event: "payment.captured", contains: ["payment"], payload });
    const goodSig = webhookSignature(body, h.sandbox.webhookSecret);
    const cases = [
      { signature: "f".repeat(64), body },
      { signature: null, body },
      { signature: webhookSignature(body, "some-other-secret"), body },
      // A captured delivery replayed with its signature but a changed body (a bigger amount).
      { signature: goodSig, body: body.replace('"amount":10000', '"amount":99999') },
      { signature: goodSig, body: body.replace(started.order_id, "order_someoneelse") },
    ];
    for (const c of cases) {
      const eventId = `evt_${randomUUID()}`;
      const res = await deliverWebhook(h, "payment.captured", payload, { eventId, signature: c.signature, body: c.body });
      expect(res.status).toBe(401);
      expect(await eventStored(eventId)).toBe(false);
    }
    let b = await books(orgId);
    expect(b.balance).toBe(0);
    expect(b.payments[0].status).toBe("created");
    // The genuine delivery is accepted.
    const eventId = `evt_${randomUUID()}`;
    const ok = await deliverWebhook(h, "payment.captured", payload, { eventId, body, signature: goodSig });
    expect(ok.status).toBe(200);
    expect(await eventStored(eventId)).toBe(true);
    b = await books(orgId);
    expect(b.balance).toBe(10_000);
  });

  it("credits nothing when the paid amount does not match the stored order, and logs it on the event", async () => {
    const { orgId, started } = await openRecharge(10_000);
    const eventId = `evt_${randomUUID()}`;
    const res = await deliverWebhook(
      h,
      "payment.captured",
      { payment: { entity: paymentEntity({ id: `pay_${randomUUID()}`, order_id: started.order_id, amount: 1_000_000 }) } },
      { eventId },
    );
    expect(res.status).toBe(200);
    const b = await books(orgId);
    expect(b.balance).toBe(0);
    expect(b.ledger).toHaveLength(0);
    expect(b.payments[0].status).toBe("created");
    const ev = await withService((db) => db.query("select last_error, org_id from public.webhook_events where event_id = $1", [eventId]));
    expect(ev.rows[0]).toEqual({ last_error: "amount_mismatch", org_id: orgId });
  });

  it("ignores events for orders that are not ours and answers 200 so Razorpay stops retrying", async () => {
    const res = await deliverWebhook(h, "payment.captured", {
      payment: { entity: paymentEntity({ id: `pay_${randomUUID()}`, order_id: `order_${randomUUID()}`, amount: 500 }) },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "unknown_order" });
  });
});

describe("exactly once", () => {
  it("checkout callback, order.paid and payment.captured, each up to three times, concurrently and in any order, credit once", async () => {
    for (let round = 0; round < 4; round++) {
      const amount = 10_000 + round * 100;
      const { orgId, cookie, started } = await openRecharge(amount);
      const paid = await payAtSandbox(started.order_id);
      const payment = paymentEntity({ id: paid.razorpay_payment_id, order_id: started.order_id, amount });
      const orderPaidId = `evt_${randomUUID()}`;
      const capturedId = `evt_${randomUUID()}`;
      const times = () => 1 + Math.floor(Math.random() * 3);
      const deliveries: Array<() => Promise<Response>> = [];
      for (let i = 0, n = times(); i < n; i++) {
        deliveries.push(() =>
          deliverWebhook(h, "order.paid", { payment: { entity: payment }, order: { entity: { id: started.order_id, amount, status: "paid" } } }, { eventId: orderPaidId }),
        );
      }
      for (let i = 0, n = times(); i < n; i++) {
        deliveries.push(() => deliverWebhook(h, "payment.captured", { payment: { entity: payment } }, { eventId: capturedId }));
      }
      for (let i = 0, n = times(); i < n; i++) {
        deliveries.push(() => post(`${h.app}/api/wallet/recharge/verify`, { payment_id: started.payment_id, ...paid }, { cookie }));
      }
      const results = await Promise.all(shuffle(deliveries).map((d) => d()));
      expect(results.map((r) => r.status).every((s) => s === 200)).toBe(true);
      const b = await books(orgId);
      expect(b.balance).toBe(amount);
      expect(b.ledger.filter((l) => l.kind === "credit")).toHaveLength(1);
      expect(b.payments[0]).toMatchObject({ status: "paid", payment_id: paid.razorpay_payment_id });
    }
  });

  it("the sandbox's own signed webhooks credit a payment, and the later checkout callback is a no-op", async () => {
    const { orgId, cookie, started } = await openRecharge(25_000);
    const paid = await payAtSandbox(started.order_id, "success", "deliver");
    await h.sandbox.idle();
    const mine = h.sandbox.deliveries.filter((d) => d.status === 200);
    expect(mine.length).toBeGreaterThanOrEqual(2);
    expect((await books(orgId)).balance).toBe(25_000);
    const res = await post(`${h.app}/api/wallet/recharge/verify`, { payment_id: started.payment_id, ...paid }, { cookie });
    expect(await res.json()).toMatchObject({ status: "already_credited" });
    expect((await books(orgId)).ledger).toHaveLength(1);
  });

  it("payment.failed then a late capture for the same order: failed, then paid and credited once", async () => {
    const { orgId, started } = await openRecharge(10_000);
    const failed = await payAtSandbox(started.order_id, "failure");
    const failedPayment = paymentEntity({ id: failed.error!.metadata.payment_id, order_id: started.order_id, amount: 10_000, status: "failed" });
    expect((await deliverWebhook(h, "payment.failed", { payment: { entity: failedPayment } })).status).toBe(200);
    let b = await books(orgId);
    expect(b.payments[0].status).toBe("failed");
    expect(b.balance).toBe(0);
    const paid = await payAtSandbox(started.order_id);
    const captured = paymentEntity({ id: paid.razorpay_payment_id, order_id: started.order_id, amount: 10_000 });
    expect((await deliverWebhook(h, "payment.captured", { payment: { entity: captured } })).status).toBe(200);
    // A stale failure arriving after the capture changes nothing.
    expect((await deliverWebhook(h, "payment.failed", { payment: { entity: failedPayment } })).status).toBe(200);
    b = await books(orgId);
    expect(b.balance).toBe(10_000);
    expect(b.payments[0]).toMatchObject({ status: "paid", payment_id: paid.razorpay_payment_id });
  });

  it("refund.processed delivered twice debits back once, as its own ledger kind", async () => {
    const { orgId, cookie, started } = await openRecharge(30_000);
    const paid = await payAtSandbox(started.order_id);
    await post(`${h.app}/api/wallet/recharge/verify`, { payment_id: started.payment_id, ...paid }, { cookie });
    // A real refund at the sandbox Razorpay through the SDK: it delivers refund.created and refund.processed.
    const refund = (await razorpayClient(razorpaySettings()!).payments.refund(paid.razorpay_payment_id, { amount: 30_000 })) as unknown as {
      id: string;
    };
    await h.sandbox.idle();
    const payload = {
      refund: { entity: { id: refund.id, entity: "refund", amount: 30_000, currency: "INR", payment_id: paid.razorpay_payment_id, status: "processed" } },
      payment: { entity: paymentEntity({ id: paid.razorpay_payment_id, order_id: started.order_id, amount: 30_000, status: "refunded" }) },
    };
    // Delivered again, once as a retry (same event id) and once as a separate event.
    await Promise.all([deliverWebhook(h, "refund.processed", payload), deliverWebhook(h, "refund.processed", payload)]);
    const b = await books(orgId);
    expect(b.ledger.map((l) => [l.kind, l.amount_paise])).toEqual([
      ["credit", 30_000],
      ["payment_refund", -30_000],
    ]);
    expect(b.ledger[1].reference).toBe(`rzp_refund:${refund.id}`);
    expect(b.balance).toBe(0);
    expect(b.payments[0]).toMatchObject({ status: "refunded", refunded_paise: 30_000 });
  });

  it("a refund that arrives before the capture credits then debits, and the late capture is a no-op", async () => {
    const { orgId, started } = await openRecharge(20_000);
    const paid = await payAtSandbox(started.order_id);
    const payment = paymentEntity({ id: paid.razorpay_payment_id, order_id: started.order_id, amount: 20_000 });
    const refundId = `rfnd_${randomUUID().slice(0, 14)}`;
    await deliverWebhook(h, "refund.processed", {
      refund: { entity: { id: refundId, amount: 5_000, currency: "INR", payment_id: paid.razorpay_payment_id } },
      payment: { entity: payment },
    });
    await deliverWebhook(h, "payment.captured", { payment: { entity: payment } });
    const b = await books(orgId);
    expect(b.ledger.map((l) => [l.kind, l.amount_paise])).toEqual([
      ["credit", 20_000],
      ["payment_refund", -5_000],
    ]);
    expect(b.balance).toBe(15_000);
    expect(b.payments[0]).toMatchObject({ status: "paid", refunded_paise: 5_000 });
  });

  it("an auto-refund of a payment that was never captured debits nothing", async () => {
    const { orgId, started } = await openRecharge(20_000);
    const res = await deliverWebhook(h, "refund.processed", {
      refund: { entity: { id: `rfnd_${randomUUID().slice(0, 12)}`, amount: 20_000, currency: "INR", payment_id: "pay_uncaptured1" } },
      payment: { entity: paymentEntity({ id: "pay_uncaptured1", order_id: started.order_id, amount: 20_000, status: "refunded", captured: false }) },
    });
    expect(await res.json()).toEqual({ status: "not_credited" });
    const b = await books(orgId);
    expect(b.ledger).toHaveLength(0);
    expect(b.balance).toBe(0);
  });

  it("reconciliation credits a paid order whose webhook was lost, exactly once, even with two workers", async () => {
    const { orgId, started } = await openRecharge(40_000);
    await payAtSandbox(started.order_id, "success", "drop");
    expect((await books(orgId)).balance).toBe(0);
    const [a, b] = await Promise.all([
      reconcilePendingPayments({ olderThanMs: 0, recheckMs: 0 }),
      reconcilePendingPayments({ olderThanMs: 0, recheckMs: 0 }),
    ]);
    // Other tests' orders may be swept too, so count on the books rather than on the sweep's figures.
    expect(a.credited + b.credited).toBeGreaterThanOrEqual(1);
    await reconcilePendingPayments({ olderThanMs: 0, recheckMs: 0 });
    const books1 = await books(orgId);
    expect(books1.balance).toBe(40_000);
    expect(books1.ledger).toHaveLength(1);
    expect(books1.payments[0].status).toBe("paid");
  });

  it("reconciliation leaves an unpaid order alone, then marks it failed once abandoned", async () => {
    const { orgId, started } = await openRecharge(10_000);
    await reconcilePendingPayments({ olderThanMs: 0, recheckMs: 0 });
    expect((await books(orgId)).payments[0].status).toBe("created");
    await withService((db) => db.query("update public.payments set created_at = now() - interval '25 hours' where id = $1", [started.payment_id]));
    await reconcilePendingPayments({ olderThanMs: 0, recheckMs: 0 });
    const b = await books(orgId);
    expect(b.payments[0].status).toBe("failed");
    expect(b.balance).toBe(0);
  });
});

describe("after a sandbox restart", () => {
  it("an order the sandbox no longer knows is marked failed by reconciliation, not retried for days", async () => {
    const { orgId } = await makeOrg();
    const paymentId = randomUUID();
    await withService((db) =>
      db.query(
        "insert into public.payments (id, org_id, mode, order_id, amount_paise) values ($1, $2, 'sandbox', $3, 10000)",
        [paymentId, orgId, `order_gone${randomUUID().slice(0, 8)}`],
      ),
    );
    await reconcilePendingPayments({ olderThanMs: 0, recheckMs: 0 });
    const b = await books(orgId);
    expect(b.payments[0].status).toBe("failed");
    expect(b.balance).toBe(0);
  });
});
