import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { requirePageOrg } from "@/app/_server/page-caller";
import { CampaignDetail } from "@/components/campaigns/campaign-detail";
import { getCampaign } from "@/lib/campaigns/campaigns";
import { withTenant } from "@/lib/db/tx";
import { ApiError } from "@/lib/http/errors";

export const metadata: Metadata = { title: "Campaign" };
export const dynamic = "force-dynamic";

export default async function CampaignPage({ params }: { params: Promise<{ id: string }> }) {
  const caller = await requirePageOrg();
  const { id } = await params;
  const campaign = await withTenant(caller.claims, (db) => getCampaign(db, caller.orgId, id)).catch((err: unknown) => {
    if (err instanceof ApiError && err.status === 404) notFound();
    throw err;
  });
  return <CampaignDetail initial={JSON.parse(JSON.stringify(campaign))} canEdit={caller.role === "owner" || caller.role === "admin"} />;
}
