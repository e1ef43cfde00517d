import { Card } from "@/components/ui";

/** Placeholder blocks in the page's shape while figures load (aria-busy for screen readers). */
export function AnalyticsSkeleton({ withHeader = true }: { withHeader?: boolean }) {
  const block = "animate-pulse rounded-md bg-surface-3";
  return (
    <div aria-busy="true" aria-label="Loading analytics" className="space-y-6">
      {withHeader ? (
        <div className="space-y-2">
          <div className={`${block} h-7 w-40`} />
          <div className={`${block} h-4 w-72 max-w-full`} />
        </div>
      ) : null}
      <div className={`${block} h-10 w-full max-w-xl`} />
      <div className="grid grid-cols-2 gap-3 md:grid-cols-4">
        {Array.from({ length: 7 }, (_, i) => (
          <Card key={i} className="space-y-2 p-4">
            <div className={`${block} h-3 w-20`} />
            <div className={`${block} h-7 w-24`} />
          </Card>
        ))}
      </div>
      <Card>
        <div className={`${block} h-5 w-56`} />
        <div className={`${block} mt-4 h-60 w-full`} />
      </Card>
      <div className="grid gap-6 lg:grid-cols-2">
        {[0, 1].map((i) => (
          <Card key={i}>
            <div className={`${block} h-5 w-40`} />
            <div className={`${block} mt-4 h-48 w-full`} />
          </Card>
        ))}
      </div>
    </div>
  );
}
