import type { Metadata } from "next";
import Link from "next/link";
import { requirePageOrg } from "@/app/_server/page-caller";
import { CampaignStatusBadge } from "@/components/campaigns/status";
import { formatMediumDateTime } from "@/components/time-zone";
import { EmptyState, PageHeader } from "@/components/ui";
import { listCampaigns } from "@/lib/campaigns/campaigns";
import { withTenant } from "@/lib/db/tx";

export const metadata: Metadata = { title: "Campaigns" };
export const dynamic = "force-dynamic";

export default async function CampaignsPage() {
  const caller = await requirePageOrg();
  const campaigns = await withTenant(caller.claims, (db) => listCampaigns(db, caller.orgId, { limit: 100 }));
  const canEdit = caller.role === "owner" || caller.role === "admin";
  return (
    <div className="max-w-5xl">
      <PageHeader
        title="Campaigns"
        description="Send an approved template to many contacts at once, paced to your number's throughput. Each message is charged like a single send; failures on our or Meta's side are refunded."
        actions={
          canEdit ? (
            <Link href="/campaigns/new" className="inline-flex items-center rounded-lg bg-accent px-4 py-2 text-sm font-medium text-accent-contrast hover:bg-accent-strong">
              New campaign
            </Link>
          ) : null
        }
      />
      {campaigns.length === 0 ? (
        <EmptyState title="No campaigns yet">
          {canEdit ? "Create one: pick an approved template, map its variables, choose who gets it, and see the cost before you launch." : "An owner or admin can create campaigns."}
        </EmptyState>
      ) : (
        <div className="overflow-x-auto rounded-xl border border-border bg-surface" tabIndex={0} role="region" aria-label="Campaigns table">
          <table className="w-full text-sm">
            <thead className="text-left text-muted">
              <tr className="border-b border-border">
                <th scope="col" className="px-4 py-3 font-medium">Name</th>
                <th scope="col" className="px-4 py-3 font-medium">Status</th>
                <th scope="col" className="px-4 py-3 font-medium">Template</th>
                <th scope="col" className="px-4 py-3 text-right font-medium">Recipients</th>
                <th scope="col" className="px-4 py-3 font-medium">Created</th>
              </tr>
            </thead>
            <tbody>
              {campaigns.map((c) => (
                <tr key={c.id} className="border-b border-border last:border-0">
                  <td className="px-4 py-3">
                    <Link href={`/campaigns/${c.id}`} className="font-medium text-accent hover:underline">
                      {c.name}
                    </Link>
                    {c.blocked_reason ? <p className="mt-0.5 text-xs text-warning">{c.blocked_reason}</p> : null}
                  </td>
                  <td className="px-4 py-3">
                    <CampaignStatusBadge status={c.status} />
                  </td>
                  <td className="px-4 py-3 text-muted">{c.template_name}</td>
                  <td className="px-4 py-3 text-right tabular-nums">{c.recipient_count.toLocaleString("en-IN")}</td>
                  <td className="px-4 py-3 text-muted">{formatMediumDateTime(c.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
