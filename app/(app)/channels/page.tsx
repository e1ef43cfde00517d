import type { Metadata } from "next";
import { requirePageOrg } from "@/app/_server/page-caller";
import { ChannelsManager } from "@/components/channels/channels-manager";
import { CopyField } from "@/components/channels/copy-field";
import { Card, PageHeader } from "@/components/ui";
import { env, sandboxEnabled } from "@/lib/config/env";

export const metadata: Metadata = { title: "Channels" };

export default async function ChannelsPage() {
  const caller = await requirePageOrg({ roles: ["owner", "admin"] });
  const e = env();
  const live =
    e.WHATSAPP_MODE === "live" && e.META_APP_ID && e.META_CONFIG_ID
      ? { appId: e.META_APP_ID, configId: e.META_CONFIG_ID, version: e.GRAPH_API_VERSION }
      : null;
  return (
    <div className="max-w-4xl space-y-6">
      <PageHeader title="Channels" description="Your organization's WhatsApp numbers." />
      <ChannelsManager canManage={caller.role === "owner" || caller.role === "admin"} sandbox={sandboxEnabled()} live={live} />
      <Card>
        <h2 className="mb-1 text-lg font-semibold">Webhook setup</h2>
        <p className="mb-4 text-sm text-muted">
          Meta delivers incoming messages and delivery receipts to this callback. When you use your own Meta app, enter
          these in the App Dashboard under WhatsApp → Configuration, and subscribe to the <code>messages</code> field.
        </p>
        <div className="space-y-3">
          <CopyField id="callback-url" label="Callback URL" value={`${e.APP_URL}/api/webhook`} />
          <CopyField id="verify-token" label="Verify token" value={e.META_VERIFY_TOKEN} />
        </div>
      </Card>
    </div>
  );
}
