import Link from "next/link";
import type { ReactNode } from "react";
import { Card } from "@/components/ui";

/** One figure on the dashboard, with an optional note and link. */
export function StatCard({
  label,
  value,
  note,
  link,
  tone = "default",
}: {
  label: string;
  value: ReactNode;
  note?: ReactNode;
  link?: { href: string; label: string };
  tone?: "default" | "warning";
}) {
  return (
    <Card className="flex flex-col gap-1">
      <p className="text-sm text-muted">{label}</p>
      <p className="text-2xl font-semibold tabular-nums tracking-tight">{value}</p>
      {note ? <p className={tone === "warning" ? "text-sm text-warning" : "text-sm text-muted"}>{note}</p> : null}
      {link ? (
        <Link href={link.href} className="mt-auto pt-2 text-sm font-medium text-accent hover:underline">
          {link.label} →
        </Link>
      ) : null}
    </Card>
  );
}
