import { Skeleton } from "@/components/skeleton";

export default function OnboardingLoading() {
  return (
    <div className="space-y-6" role="status" aria-label="Loading">
      <Skeleton className="h-8 w-72" />
      <Skeleton className="h-4 w-96 max-w-full" />
      <Skeleton className="h-56" />
    </div>
  );
}
