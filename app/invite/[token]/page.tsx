import type { Metadata } from "next";
import { Card } from "@/components/ui";
import { AcceptInvitationForm } from "./accept-form";

export const metadata: Metadata = { title: "Join your team" };

export default async function InvitePage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  return (
    <main className="flex min-h-screen items-center justify-center p-4">
      <Card className="w-full max-w-md">
        <h1 className="mb-1 text-xl font-semibold">Join your team on WA Platform</h1>
        <p className="mb-6 text-sm text-muted">Set a password to accept the invitation.</p>
        <AcceptInvitationForm token={token} />
      </Card>
    </main>
  );
}
