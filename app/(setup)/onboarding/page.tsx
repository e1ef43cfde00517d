import type { Metadata } from "next";
import Link from "next/link";
import { requirePageUser } from "@/app/_server/page-caller";
import { CreateOrgForm } from "@/components/onboarding/create-org-form";
import { SetupChecklist } from "@/components/onboarding/setup-checklist";
import { Card } from "@/components/ui";
import { withTenant } from "@/lib/db/tx";
import { getSetupProgress } from "@/lib/orgs/overview";
import { listMemberships } from "@/lib/orgs/organizations";

export const metadata: Metadata = { title: "Get started" };

export default async function OnboardingPage({ searchParams }: { searchParams: Promise<{ new?: string }> }) {
  const caller = await requirePageUser();
  const wantsNew = (await searchParams).new === "1";

  if (!caller.orgId || wantsNew) {
    return (
      <div className="space-y-6">
        <div>
          <h1 className="text-2xl font-semibold">{caller.orgId ? "Create another organization" : "Set up your organization"}</h1>
          <p className="mt-1 text-sm text-muted">
            An organization is your workspace: its WhatsApp numbers, prepaid wallet, contacts and team. You will be its owner.
          </p>
        </div>
        <Card className="p-6">
          <CreateOrgForm />
        </Card>
        {caller.orgId ? (
          <Link href="/dashboard" className="text-sm text-accent hover:underline">
            Back to the dashboard
          </Link>
        ) : null}
      </div>
    );
  }

  const { org, progress } = await withTenant(caller.claims, async (db) => ({
    org: (await listMemberships(db, caller.userId)).find((m) => m.org_id === caller.orgId),
    progress: await getSetupProgress(db, caller.orgId!),
  }));

  return (
    <div className="space-y-6">
      <div>
        <p className="text-sm font-medium text-accent">Organization created</p>
        <h1 className="mt-1 text-2xl font-semibold">{org?.name ?? "Your organization"} is ready</h1>
        <p className="mt-1 text-sm text-muted">Three steps and you are messaging customers. Each one ticks itself off as you finish it.</p>
      </div>
      <SetupChecklist progress={progress} />
      <div>
        <Link
          href="/dashboard"
          className="inline-flex items-center justify-center rounded-lg bg-accent px-4 py-2.5 text-sm font-medium text-accent-contrast hover:bg-accent-strong"
        >
          Go to the dashboard
        </Link>
      </div>
    </div>
  );
}
