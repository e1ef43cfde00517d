import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { getPageCaller } from "@/app/_server/page-caller";
import { LoginForm } from "@/components/auth/login-form";
import { Card } from "@/components/ui";
import { safeNextPath } from "@/lib/auth/route-guard";

export const metadata: Metadata = { title: "Sign in" };

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ next?: string | string[] }> }) {
  const { next: raw } = await searchParams;
  const next = safeNextPath(Array.isArray(raw) ? raw[0] : raw);
  const caller = await getPageCaller();
  if (caller?.kind === "user") redirect(next);
  return (
    <Card className="p-6 sm:p-8">
      <h1 className="text-xl font-semibold">Sign in</h1>
      <p className="mb-6 mt-1 text-sm text-muted">Welcome back. Sign in to your organization&apos;s workspace.</p>
      <LoginForm next={next} />
    </Card>
  );
}
