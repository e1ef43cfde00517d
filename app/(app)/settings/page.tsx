import type { Metadata } from "next";
import { requirePageOrg } from "@/app/_server/page-caller";
import { ApiKeysManager } from "@/components/settings/api-keys-manager";
import { OrgProfileForm } from "@/components/settings/org-profile-form";
import { TeamManager } from "@/components/settings/team-manager";
import { WebhooksManager } from "@/components/settings/webhooks-manager";
import { SimulateInboundForm } from "@/components/sandbox/simulate-inbound-form";
import { Card, PageHeader } from "@/components/ui";
import { sandboxEnabled } from "@/lib/config/env";
import { withTenant } from "@/lib/db/tx";
import { formatPaise } from "@/lib/money/format";

export const metadata: Metadata = { title: "Settings" };

export default async function SettingsPage() {
  const caller = await requirePageOrg();
  const org = await withTenant(caller.claims, async (db) => {
    const { rows } = await db.query<{ name: string; service_fee_paise: number; low_balance_threshold_paise: number }>(
      "select name, service_fee_paise, low_balance_threshold_paise from public.organizations where id = $1",
      [caller.orgId],
    );
    return rows[0];
  });
  const isAdmin = caller.role === "owner" || caller.role === "admin";

  return (
    <div className="max-w-4xl space-y-6">
      <PageHeader title="Settings" description="Your organization, team and API access." />
      <Card>
        <h2 className="mb-4 text-lg font-semibold">Organization</h2>
        <OrgProfileForm name={org.name} canEdit={isAdmin} />
        <dl className="mt-4 grid gap-3 text-sm sm:grid-cols-2">
          <div className="rounded-lg bg-surface-2 p-3">
            <dt className="text-muted">Service fee per message</dt>
            <dd className="text-lg font-semibold">{formatPaise(org.service_fee_paise)}</dd>
            <dd className="text-xs text-muted">Set by the platform operator.</dd>
          </div>
          <div className="rounded-lg bg-surface-2 p-3">
            <dt className="text-muted">Low-balance alert below</dt>
            <dd className="text-lg font-semibold">{formatPaise(org.low_balance_threshold_paise)}</dd>
            <dd className="text-xs text-muted">Change it on the Wallet page.</dd>
          </div>
        </dl>
      </Card>
      <Card>
        <h2 className="mb-4 text-lg font-semibold">Team</h2>
        <TeamManager myUserId={caller.userId} myRole={caller.role} />
      </Card>
      {isAdmin ? (
        <Card>
          <h2 className="mb-1 text-lg font-semibold">API keys</h2>
          <p className="mb-4 text-sm text-muted">
            Send <code className="font-mono">Authorization: Bearer &lt;key&gt;</code> to the API. Keys act as this organization.
          </p>
          <ApiKeysManager />
        </Card>
      ) : null}
      {isAdmin ? (
        <Card>
          <h2 className="mb-1 text-lg font-semibold">Webhooks</h2>
          <p className="mb-4 text-sm text-muted">
            We POST <code className="font-mono">message.received</code>, <code className="font-mono">message.status</code> and{" "}
            <code className="font-mono">wallet.low_balance</code> events as signed JSON to your endpoints, retrying for 24 hours.
          </p>
          <WebhooksManager />
        </Card>
      ) : null}
      {sandboxEnabled() ? (
        <Card>
          <h2 className="mb-1 text-lg font-semibold">Sandbox tools</h2>
          <p className="mb-4 text-sm text-muted">
            Nothing here reaches WhatsApp. Simulate a customer writing to one of your sandbox numbers; it goes through
            the real signed webhook. Sandbox recipients ending in 0190 (expired token), 0429 (throttled) or 1026
            (undeliverable) fail on purpose so you can see refunds.
          </p>
          <SimulateInboundForm />
        </Card>
      ) : null}
    </div>
  );
}
