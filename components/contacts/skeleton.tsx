// Stands in for the contacts table while it loads (also used by the route's loading.tsx).
export function TableSkeleton({ rows = 8 }: { rows?: number }) {
  return (
    <div className="overflow-hidden rounded-xl border border-border bg-surface" aria-busy="true" aria-label="Loading contacts">
      <div className="h-11 border-b border-border bg-surface-2" />
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} className="flex items-center gap-3 border-b border-border px-4 py-3 last:border-0">
          <div className="h-9 w-9 animate-pulse rounded-full bg-surface-2" />
          <div className="flex-1 space-y-2">
            <div className="h-3.5 w-40 max-w-full animate-pulse rounded bg-surface-2" />
            <div className="h-3 w-28 animate-pulse rounded bg-surface-2 md:hidden" />
          </div>
          <div className="hidden h-3.5 w-32 animate-pulse rounded bg-surface-2 md:block" />
          <div className="hidden h-3.5 w-24 animate-pulse rounded bg-surface-2 lg:block" />
        </div>
      ))}
    </div>
  );
}
