"use client";

import useSWR from "swr";
import type { WalletSummary } from "@/lib/wallet/overview";
import type { LowBalanceNotice } from "@/lib/wallet/low-balance";

export type WalletState = WalletSummary & { low_balance_notice: LowBalanceNotice | null };

export const WALLET_KEY = "/api/wallet";

async function fetchJson(url: string): Promise<WalletState> {
  const res = await fetch(url, { headers: { accept: "application/json" } });
  if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`);
  return res.json() as Promise<WalletState>;
}

/**
 * The wallet as GET /api/wallet reports it, polled so the balance moves after a send or a recharge
 * without a reload (and revalidated when the tab regains focus). Every component using it shares
 * one request.
 */
export function useWallet(initial?: WalletState) {
  return useSWR<WalletState>(WALLET_KEY, fetchJson, {
    fallbackData: initial,
    refreshInterval: 10_000,
    revalidateOnFocus: true,
    keepPreviousData: true,
  });
}
