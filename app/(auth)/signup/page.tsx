import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { getPageCaller } from "@/app/_server/page-caller";
import { SignupForm } from "@/components/auth/signup-form";
import { Card } from "@/components/ui";

export const metadata: Metadata = { title: "Create your account" };

export default async function SignupPage() {
  const caller = await getPageCaller();
  if (caller?.kind === "user") redirect(caller.orgId ? "/dashboard" : "/onboarding");
  return (
    <Card className="p-6 sm:p-8">
      <h1 className="text-xl font-semibold">Create your account</h1>
      <p className="mb-6 mt-1 text-sm text-muted">
        Message your customers on WhatsApp from one place. Pay only for what you send, from a prepaid wallet.
      </p>
      <SignupForm />
    </Card>
  );
}
