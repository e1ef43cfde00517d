"use client";

import { Badge, Card, cx } from "@/components/ui";
import { formatPaise } from "@/lib/money/format";
import { useWallet, type WalletState } from "./use-wallet";

const levelStyle = {
  ok: { text: "text-success", badge: "success", label: "Healthy" },
  warning: { text: "text-warning", badge: "warning", label: "Running low" },
  low: { text: "text-danger", badge: "danger", label: "Low balance" },
} as const;

/** The balance, colour-coded against the alert level, kept fresh by polling GET /api/wallet. */
export function BalanceCard({
  initial,
  canRecharge,
  noticeShownAbove = false,
  className,
}: {
  initial: WalletState;
  canRecharge: boolean;
  /** The page shows <LowBalanceNotice /> above: while that notice is up, do not say it twice. */
  noticeShownAbove?: boolean;
  className?: string;
}) {
  const { data } = useWallet(initial);
  const w = data ?? initial;
  const style = levelStyle[w.level];
  return (
    <Card className={cx("flex flex-col gap-4", className)}>
      <div className="flex items-center justify-between gap-3">
        <h2 className="text-sm font-medium text-muted">Available balance</h2>
        <Badge tone={style.badge}>{style.label}</Badge>
      </div>
      <p data-testid="wallet-balance" aria-live="polite" className={cx("text-4xl font-semibold tabular-nums tracking-tight sm:text-5xl", style.text)}>
        {formatPaise(w.balance_paise)}
      </p>
      <dl className="grid gap-3 text-sm sm:grid-cols-2">
        <div>
          <dt className="text-muted">Pays for</dt>
          <dd className="font-medium">
            {w.messages_left === null
              ? "Unlimited messages (no fee)"
              : `${w.messages_left.toLocaleString("en-IN")} more message${w.messages_left === 1 ? "" : "s"} at ${formatPaise(w.fee_paise)} each`}
          </dd>
        </div>
        <div>
          <dt className="text-muted">Low-balance alert</dt>
          <dd className="font-medium">{w.threshold_paise > 0 ? `Below ${formatPaise(w.threshold_paise)}` : "Off"}</dd>
        </div>
      </dl>
      {w.level === "low" && !(noticeShownAbove && w.low_balance_notice) ? (
        <div role="alert" className="rounded-lg border border-danger/40 bg-danger/10 px-3 py-2 text-sm">
          <strong className="text-danger">Balance is below your alert level.</strong>{" "}
          {canRecharge ? (
            <>
              Messages stop when it reaches ₹0.00.{" "}
              <a href="#recharge" className="font-medium text-accent underline-offset-2 hover:underline">
                Recharge now
              </a>
            </>
          ) : (
            "Ask an owner or admin to recharge before messages stop."
          )}
        </div>
      ) : w.level === "low" ? null : w.level === "warning" ? (
        <p className="rounded-lg border border-warning/40 bg-warning/10 px-3 py-2 text-sm">
          Getting close to your alert level of {formatPaise(w.threshold_paise)}.
          {canRecharge ? (
            <>
              {" "}
              <a href="#recharge" className="font-medium text-accent underline-offset-2 hover:underline">
                Recharge
              </a>
            </>
          ) : null}
        </p>
      ) : null}
    </Card>
  );
}
