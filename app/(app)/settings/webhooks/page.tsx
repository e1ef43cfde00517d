import type { Metadata } from "next";
import { requirePageOrg } from "@/app/_server/page-caller";
import { WebhooksManager } from "@/components/settings/webhooks-manager";
import { Card, PageHeader } from "@/components/ui";

// TEMPORARY preview of the webhooks section until the lead places WebhooksManager in the settings page.
export const metadata: Metadata = { title: "Webhooks" };

export default async function WebhooksPreviewPage() {
  await requirePageOrg({ roles: ["owner", "admin"] });
  return (
    <div className="mx-auto max-w-4xl space-y-6">
      <PageHeader title="Webhooks" description="Send events to your own systems, signed with a secret only you and we know." />
      <Card>
        <h2 className="mb-1 text-lg font-semibold">Webhook endpoints</h2>
        <p className="mb-4 text-sm text-muted">We POST each event as JSON to every enabled endpoint subscribed to it.</p>
        <WebhooksManager />
      </Card>
    </div>
  );
}
