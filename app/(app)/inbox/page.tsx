import type { Metadata } from "next";
import { Suspense } from "react";
import { requirePageOrg } from "@/app/_server/page-caller";
import { Inbox } from "@/components/inbox/inbox";
import { SimulateInboundForm } from "@/components/sandbox/simulate-inbound-form";
import { sandboxEnabled } from "@/lib/config/env";
import { withTenant } from "@/lib/db/tx";

export const metadata: Metadata = { title: "Inbox" };

export default async function InboxPage() {
  const caller = await requirePageOrg();
  const fee = await withTenant(caller.claims, async (db) => {
    const { rows } = await db.query<{ service_fee_paise: number }>("select service_fee_paise from public.organizations where id = $1", [
      caller.orgId,
    ]);
    return rows[0].service_fee_paise;
  });
  return (
    <div>
      <h1 className="sr-only">Inbox</h1>
      <Suspense>
        <Inbox feePaise={fee} />
      </Suspense>
      {sandboxEnabled() ? (
        <details className="mt-4 rounded-xl border border-border bg-surface p-4">
          <summary className="cursor-pointer text-sm font-medium">Sandbox: simulate a customer writing to you</summary>
          <div className="mt-4">
            <SimulateInboundForm />
          </div>
        </details>
      ) : null}
    </div>
  );
}
