import type { Metadata } from "next";
import { Suspense } from "react";
import { requirePageOrg } from "@/app/_server/page-caller";
import { Inbox } from "@/components/inbox/inbox";
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
    </div>
  );
}
