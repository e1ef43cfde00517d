import type { Metadata } from "next";
import { requirePageOrg } from "@/app/_server/page-caller";
import { CampaignForm } from "@/components/campaigns/campaign-form";
import { PageHeader } from "@/components/ui";
import { campaignFormOptions } from "@/lib/campaigns/campaigns";
import { withTenant } from "@/lib/db/tx";

export const metadata: Metadata = { title: "New campaign" };
export const dynamic = "force-dynamic";

export default async function NewCampaignPage() {
  const caller = await requirePageOrg({ roles: ["owner", "admin"] });
  const options = await withTenant(caller.claims, (db) => campaignFormOptions(db, caller.orgId));
  return (
    <div className="max-w-4xl">
      <PageHeader title="New campaign" description="An approved template, who gets it, and when. You see the number of recipients and the total fee before anything is sent." />
      <CampaignForm options={options} />
    </div>
  );
}
