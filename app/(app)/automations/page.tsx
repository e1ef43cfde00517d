import type { Metadata } from "next";
import { requirePageOrg } from "@/app/_server/page-caller";
import { RulesManager } from "@/components/automations/rules-manager";
import { PageHeader } from "@/components/ui";

export const metadata: Metadata = { title: "Automations" };

export default async function AutomationsPage() {
  const caller = await requirePageOrg();
  return (
    <div className="max-w-4xl">
      <PageHeader
        title="Auto-replies"
        description="Answer common questions instantly. One reply per incoming message, first matching rule by priority; never to contacts who opted out. Each reply is charged like any message."
      />
      <RulesManager canEdit={caller.role === "owner" || caller.role === "admin"} />
    </div>
  );
}
