"use client";

import Link from "next/link";
import { useState } from "react";
import { formatPaise } from "@/lib/money/format";
import { useWallet } from "./use-wallet";

/**
 * The in-app low-balance notice for an organization's owners and admins (GET /api/wallet only
 * returns one to them). Any page or the app shell can include it; it renders nothing until the
 * balance has crossed the threshold, disappears after a recharge, and can be dismissed.
 */
export function LowBalanceNotice({ showRechargeLink = true }: { showRechargeLink?: boolean }) {
  const { data, mutate } = useWallet();
  const [busy, setBusy] = useState(false);
  const notice = data?.low_balance_notice;
  if (!notice) return null;

  async function dismiss() {
    if (!notice) return;
    setBusy(true);
    try {
      await fetch(`/api/notifications/${notice.id}/read`, { method: "POST" });
      await mutate();
    } finally {
      setBusy(false);
    }
  }

  return (
    <div
      role="status"
      className="flex flex-wrap items-center gap-x-4 gap-y-2 rounded-xl border border-danger/40 bg-danger/10 px-4 py-3 text-sm"
    >
      <p className="min-w-64 flex-1">
        <span className="font-semibold text-danger">Low wallet balance: {formatPaise(notice.balance_paise)}.</span>{" "}
        <span className="text-text">
          It is under your alert level of {formatPaise(notice.threshold_paise)}; messages stop when it reaches ₹0.00.
        </span>
      </p>
      <div className="flex items-center gap-2">
        {showRechargeLink ? (
          <Link href="/wallet#recharge" className="rounded-lg bg-accent px-3 py-1.5 font-medium text-accent-contrast hover:bg-accent-strong">
            Recharge
          </Link>
        ) : null}
        <button
          type="button"
          onClick={dismiss}
          disabled={busy}
          className="rounded-lg px-3 py-1.5 text-muted hover:bg-surface-2 hover:text-text disabled:opacity-60"
        >
          Dismiss
        </button>
      </div>
    </div>
  );
}
