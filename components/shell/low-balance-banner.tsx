"use client";

import { usePathname } from "next/navigation";
import { LowBalanceNotice } from "@/components/wallet/LowBalanceNotice";

/** The low-balance notice on every app page for owners and admins (the wallet page shows its own). */
export function LowBalanceBanner() {
  const path = usePathname();
  if (path === "/wallet") return null;
  return (
    <div className="mb-4 empty:hidden">
      <LowBalanceNotice />
    </div>
  );
}
