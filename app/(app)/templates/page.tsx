import type { Metadata } from "next";
import { requirePageOrg } from "@/app/_server/page-caller";
import { TemplatesManager } from "@/components/templates/templates-manager";
import { PageHeader } from "@/components/ui";

export const metadata: Metadata = { title: "Templates" };

export default async function TemplatesPage() {
  const caller = await requirePageOrg();
  return (
    <div className="max-w-5xl">
      <PageHeader
        title="Message templates"
        description="Approved templates are the only messages WhatsApp lets you send once a customer's 24-hour window has closed. Meta reviews each new template; its status updates here by itself."
      />
      <TemplatesManager canEdit={caller.role === "owner" || caller.role === "admin"} />
    </div>
  );
}
