import type { Metadata } from "next";
import { requirePageOrg } from "@/app/_server/page-caller";
import { Badge, Card, PageHeader } from "@/components/ui";
import { DISPLAY_TIME_ZONE } from "@/components/time-zone";
import { withTenant } from "@/lib/db/tx";
import { formatPaise } from "@/lib/money/format";
import { monthUsage } from "@/lib/orgs/usage";

export const metadata: Metadata = { title: "My services" };

export default async function ServicesPage() {
  const caller = await requirePageOrg();
  const { usage, fee, channels } = await withTenant(caller.claims, async (db) => {
    const org = await db.query<{ service_fee_paise: number }>("select service_fee_paise from public.organizations where id = $1", [
      caller.orgId,
    ]);
    const ch = await db.query<{ n: number }>(
      "select count(*)::int as n from public.channels where org_id = $1 and status = 'connected'",
      [caller.orgId],
    );
    return { usage: await monthUsage(db, caller.orgId), fee: org.rows[0].service_fee_paise, channels: ch.rows[0].n };
  });
  const month = new Date().toLocaleString("en-IN", { timeZone: DISPLAY_TIME_ZONE, month: "long", year: "numeric" });

  return (
    <div className="max-w-4xl space-y-6">
      <PageHeader title="My services" description="What your organization is subscribed to, and this month's usage." />
      <Card>
        <div className="flex flex-wrap items-start justify-between gap-3">
          <div>
            <h2 className="text-lg font-semibold">WhatsApp messaging</h2>
            <p className="text-sm text-muted">
              {formatPaise(fee)} service fee per outbound message, taken from your wallet before sending and refunded when
              we or Meta fail. Meta bills its own conversation charges to you directly.
            </p>
          </div>
          <Badge tone={channels > 0 ? "success" : "warning"}>
            {channels > 0 ? `Active · ${channels} number${channels > 1 ? "s" : ""}` : "No number connected"}
          </Badge>
        </div>
        <h3 className="mt-6 mb-3 text-sm font-medium text-muted">Usage in {month}</h3>
        <dl className="grid gap-3 sm:grid-cols-4">
          {[
            ["Messages sent", String(usage.messagesSent)],
            ["Failed", String(usage.messagesFailed)],
            ["Received", String(usage.messagesReceived)],
            ["Fees paid", formatPaise(usage.feesPaidPaise)],
          ].map(([label, value]) => (
            <div key={label} className="rounded-lg bg-surface-2 p-3">
              <dt className="text-xs text-muted">{label}</dt>
              <dd className="text-xl font-semibold">{value}</dd>
            </div>
          ))}
        </dl>
        {usage.refundsPaise > 0 ? (
          <p className="mt-3 text-xs text-muted">Net of {formatPaise(usage.refundsPaise)} refunded for failed sends.</p>
        ) : null}
      </Card>
      {[
        ["Instagram messaging", "Reply to Instagram Direct messages from the same inbox."],
        ["Messenger", "Facebook Messenger conversations beside WhatsApp."],
      ].map(([name, text]) => (
        <Card key={name} className="border-dashed">
          <div className="flex items-start justify-between gap-3">
            <div>
              <h2 className="text-lg font-semibold">{name}</h2>
              <p className="text-sm text-muted">{text}</p>
            </div>
            <Badge>Coming soon</Badge>
          </div>
        </Card>
      ))}
    </div>
  );
}
