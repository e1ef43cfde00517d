import { AnalyticsSkeleton } from "@/components/analytics/skeleton";

export default function Loading() {
  return (
    <div className="mx-auto max-w-6xl">
      <AnalyticsSkeleton />
    </div>
  );
}
