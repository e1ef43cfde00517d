"use client";

import { Button } from "@/components/ui";

// A page in the app failed to render: say so plainly and offer another try. No internals shown.
export default function AppError({ error, retry }: { error: Error & { digest?: string }; retry: () => void }) {
  return (
    <div role="alert" className="mx-auto max-w-md space-y-4 py-16 text-center">
      <h1 className="text-xl font-semibold">This page could not load</h1>
      <p className="text-sm text-muted">
        Something went wrong on our side. Try again; if it keeps happening, share this reference with support:{" "}
        <span className="font-mono text-text">{error.digest ?? "n/a"}</span>
      </p>
      <Button onClick={() => retry()}>Try again</Button>
    </div>
  );
}
