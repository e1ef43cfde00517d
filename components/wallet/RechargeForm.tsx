"use client";

import { useRouter } from "next/navigation";
import { useId, useState, type FormEvent } from "react";
import { useSWRConfig } from "swr";
import { Badge, Button, Card, cx, Field, Input } from "@/components/ui";
import { formatPaise } from "@/lib/money/format";
import { rupeesToPaise } from "./format";
import { WALLET_KEY } from "./use-wallet";

const PRESETS_PAISE = [50_000, 100_000, 200_000, 500_000];

interface Started {
  payment_id: string;
  order_id: string;
  amount_paise: number;
  currency: string;
  key_id: string;
  mode: "live" | "sandbox";
  checkout_url: string | null;
}

interface CheckoutResponse {
  razorpay_payment_id: string;
  razorpay_order_id: string;
  razorpay_signature: string;
}

declare global {
  interface Window {
    Razorpay?: new (options: Record<string, unknown>) => { open(): void; on(event: string, cb: (r: unknown) => void): void };
  }
}

const CHECKOUT_JS = "https://checkout.razorpay.com/v1/checkout.js";

/** Razorpay Checkout's script, loaded on demand (live mode only; the CSP allows exactly this host). */
function loadCheckout(): Promise<void> {
  if (window.Razorpay) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const s = document.createElement("script");
    s.src = CHECKOUT_JS;
    s.onload = () => resolve();
    s.onerror = () => reject(new Error("Could not load Razorpay Checkout. Check your connection and try again."));
    document.body.appendChild(s);
  });
}

async function errorMessage(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { error?: { message?: string } };
    return body.error?.message ?? `Request failed (${res.status})`;
  } catch {
    return `Request failed (${res.status})`;
  }
}

/** Pick or type an amount, then pay through Razorpay Checkout (or the sandbox checkout page). */
export function RechargeForm({ mode, maxPaise, orgName }: { mode: "live" | "sandbox" | null; maxPaise: number; orgName: string }) {
  const router = useRouter();
  const { mutate } = useSWRConfig();
  const id = useId();
  const [amount, setAmount] = useState("1000");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const paise = rupeesToPaise(amount);
  const fieldError =
    amount.trim() === ""
      ? undefined
      : paise === null
        ? "Enter an amount in rupees, with at most two decimals"
        : paise < 100
          ? "The smallest recharge is ₹1.00"
          : paise > maxPaise
            ? `The largest recharge is ${formatPaise(maxPaise)}`
            : undefined;

  async function verify(started: Started, response: CheckoutResponse) {
    const res = await fetch("/api/wallet/recharge/verify", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ payment_id: started.payment_id, ...response }),
    });
    if (!res.ok) throw new Error(await errorMessage(res));
    setDone(`${formatPaise(started.amount_paise)} added to your wallet.`);
    await mutate(WALLET_KEY);
    router.refresh();
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setDone(null);
    if (paise === null || fieldError) {
      setError(fieldError ?? "Enter an amount");
      return;
    }
    setBusy(true);
    try {
      const res = await fetch("/api/wallet/recharge", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ amount_paise: paise }),
      });
      if (!res.ok) throw new Error(await errorMessage(res));
      const started = (await res.json()) as Started;
      if (started.mode === "sandbox" && started.checkout_url) {
        window.location.assign(started.checkout_url);
        return;
      }
      await loadCheckout();
      const rzp = new window.Razorpay!({
        key: started.key_id,
        order_id: started.order_id,
        amount: started.amount_paise,
        currency: started.currency,
        name: orgName,
        description: "Wallet recharge",
        handler: (response: CheckoutResponse) => {
          verify(started, response)
            .catch((err: Error) => setError(err.message))
            .finally(() => setBusy(false));
        },
        modal: { ondismiss: () => setBusy(false) },
        theme: { color: "#00a884" },
      });
      rzp.on("payment.failed", (r) => {
        const description = (r as { error?: { description?: string } }).error?.description;
        setError(`Payment failed${description ? `: ${description}` : ""}. You can try again.`);
      });
      rzp.open();
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  }

  return (
    <Card className="flex flex-col gap-4">
      <div id="recharge" className="flex scroll-mt-24 flex-wrap items-center justify-between gap-2">
        <h2 className="text-lg font-semibold">Recharge</h2>
        {mode === "sandbox" ? <Badge tone="warning">Sandbox · no real money</Badge> : null}
      </div>
      {mode === null ? (
        <p className="text-sm text-muted">Recharges are not available: the payment gateway is not configured.</p>
      ) : (
        <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
          <fieldset>
            <legend className="mb-2 text-sm font-medium">Choose an amount</legend>
            <div className="grid grid-cols-2 gap-2">
              {PRESETS_PAISE.map((p) => {
                const selected = paise === p;
                return (
                  <button
                    key={p}
                    type="button"
                    aria-pressed={selected}
                    onClick={() => setAmount(String(p / 100))}
                    className={cx(
                      "rounded-lg border px-3 py-2 text-sm font-medium tabular-nums transition-colors",
                      selected ? "border-accent bg-accent/15 text-text" : "border-border bg-surface-2 text-text hover:bg-surface-3",
                    )}
                  >
                    {formatPaise(p).replace(/\.00$/, "")}
                  </button>
                );
              })}
            </div>
          </fieldset>
          <Field label="Or type an amount (₹)" htmlFor={`${id}-amount`} error={fieldError} hint={`From ₹1 up to ${formatPaise(maxPaise)}`}>
            <Input
              id={`${id}-amount`}
              name="amount"
              inputMode="decimal"
              autoComplete="off"
              value={amount}
              onChange={(e) => setAmount(e.target.value)}
              aria-invalid={fieldError ? true : undefined}
              aria-describedby={fieldError ? `${id}-amount-error` : undefined}
            />
          </Field>
          <Button type="submit" disabled={busy || paise === null || Boolean(fieldError)}>
            {busy ? "Opening checkout…" : paise && !fieldError ? `Pay ${formatPaise(paise)}` : "Pay"}
          </Button>
          {error ? (
            <p role="alert" className="text-sm text-danger">
              {error}
            </p>
          ) : null}
          {done ? (
            <p role="status" className="text-sm text-success">
              {done}
            </p>
          ) : null}
          <p className="text-xs text-muted">
            {mode === "sandbox"
              ? "Sandbox mode: the checkout is simulated by this app and no money moves."
              : "Payments are processed by Razorpay. Your wallet is credited as soon as the payment is confirmed."}
          </p>
        </form>
      )}
    </Card>
  );
}
