"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { Button } from "@/components/ui";

async function postJson(url: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const data = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) throw new Error((data.error as { message?: string } | undefined)?.message ?? `Request failed (${res.status})`);
  return data;
}

/**
 * The two buttons of the sandbox checkout. "Pay" gets a signed Checkout response from the sandbox
 * Razorpay and hands it to the real verification route, exactly as Razorpay Checkout's handler does.
 */
export function SandboxCheckout({ orderId, paymentId, amountLabel }: { orderId: string; paymentId: string; amountLabel: string }) {
  const router = useRouter();
  const [busy, setBusy] = useState<"pay" | "fail" | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [failed, setFailed] = useState<string | null>(null);

  async function pay() {
    setBusy("pay");
    setError(null);
    setFailed(null);
    try {
      const r = await postJson("/api/sandbox/razorpay/pay", { order_id: orderId, outcome: "success" });
      await postJson("/api/wallet/recharge/verify", {
        payment_id: paymentId,
        razorpay_payment_id: r.razorpay_payment_id,
        razorpay_order_id: r.razorpay_order_id,
        razorpay_signature: r.razorpay_signature,
      });
      router.replace("/wallet?recharge=paid");
    } catch (err) {
      setError((err as Error).message);
      setBusy(null);
    }
  }

  async function fail() {
    setBusy("fail");
    setError(null);
    try {
      const r = await postJson("/api/sandbox/razorpay/pay", { order_id: orderId, outcome: "failure" });
      setFailed((r.error as { description?: string } | undefined)?.description ?? "Payment failed");
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(null);
    }
  }

  return (
    <div className="space-y-3">
      {failed ? (
        <p role="alert" className="rounded-lg border border-danger/40 bg-danger/10 px-3 py-2 text-sm">
          <strong className="text-danger">Payment failed.</strong> {failed}. You can try again.
        </p>
      ) : null}
      <Button className="w-full py-3 text-base" onClick={pay} disabled={busy !== null}>
        {busy === "pay" ? "Paying…" : `Pay ${amountLabel}`}
      </Button>
      <Button variant="secondary" className="w-full" onClick={fail} disabled={busy !== null}>
        {busy === "fail" ? "Failing…" : "Simulate a failed payment"}
      </Button>
      <Link href="/wallet" className="block text-center text-sm text-muted underline-offset-2 hover:text-text hover:underline">
        Cancel and go back to the wallet
      </Link>
      {error ? (
        <p role="alert" className="text-sm text-danger">
          {error}
        </p>
      ) : null}
    </div>
  );
}
