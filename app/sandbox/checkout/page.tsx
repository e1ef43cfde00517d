import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { requirePageOrg } from "@/app/_server/page-caller";
import { Badge } from "@/components/ui";
import { SandboxCheckout } from "@/components/wallet/SandboxCheckout";
import { withTenant } from "@/lib/db/tx";
import { formatPaise } from "@/lib/money/format";
import { razorpaySettings } from "@/lib/payments/razorpay";
import { loadSandboxCheckout } from "@/lib/sandbox/razorpay-checkout";

export const metadata: Metadata = { title: "Sandbox checkout" };

// The sandbox stand-in for Razorpay Checkout: it exists only while recharges run in sandbox mode
// (404 otherwise, so never in production unless SANDBOX_ENABLED=true and no live keys).
export default async function SandboxCheckoutPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const sp = await searchParams; // first: reading the request makes the page dynamic (never prerendered)
  const settings = razorpaySettings();
  if (!settings || settings.mode !== "sandbox") notFound();
  const caller = await requirePageOrg({ roles: ["owner", "admin"] });
  const orderId = typeof sp.order_id === "string" ? sp.order_id : "";
  if (!orderId) notFound();
  const order = await loadSandboxCheckout(settings, caller.orgId, orderId);
  if (!order) notFound();
  const orgName = await withTenant(caller.claims, async (db) => {
    const { rows } = await db.query<{ name: string }>("select name from public.organizations where id = $1", [caller.orgId]);
    return rows[0]?.name ?? "";
  });

  return (
    <main className="flex min-h-screen items-center justify-center p-4">
      <div className="w-full max-w-md overflow-hidden rounded-2xl border border-border bg-surface shadow-xl">
        <div className="flex items-center justify-between gap-3 border-b border-warning/40 bg-warning/15 px-5 py-3">
          <span className="text-sm font-semibold text-warning">Sandbox checkout</span>
          <Badge tone="warning">No real money moves</Badge>
        </div>
        <div className="space-y-5 p-6">
          <div>
            <p className="text-sm text-muted">Paying</p>
            <p className="text-lg font-semibold">{orgName}</p>
            <p className="text-sm text-muted">Wallet recharge</p>
          </div>
          <div>
            <p className="text-sm text-muted">Amount</p>
            <p className="text-4xl font-semibold tabular-nums" data-testid="checkout-amount">
              {formatPaise(order.amount_paise)}
            </p>
          </div>
          <p className="break-all font-mono text-xs text-muted">Order {order.order_id}</p>
          {order.order_status === "paid" ? (
            <div className="space-y-3">
              <p role="status" className="text-sm">
                This order is already paid.
              </p>
              <Link href="/wallet" className="font-medium text-accent underline-offset-2 hover:underline">
                Back to the wallet
              </Link>
            </div>
          ) : (
            <SandboxCheckout orderId={order.order_id} paymentId={order.payment_id} amountLabel={formatPaise(order.amount_paise)} />
          )}
        </div>
        <p className="border-t border-border px-6 py-3 text-xs text-muted">
          This page stands in for Razorpay Checkout. It asks the sandbox Razorpay to complete or fail the payment, which
          signs the result and sends the webhooks exactly as Razorpay would.
        </p>
      </div>
    </main>
  );
}
