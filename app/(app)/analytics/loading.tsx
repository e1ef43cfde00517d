import { AnalyticsSkeleton } from "@/components/analytics/skeleton";

export default function Loading() {
  return (
    <div className="max-w-6xl">
      <AnalyticsSkeleton />
    </div>
  );
}
