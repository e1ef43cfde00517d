import { TableSkeleton } from "@/components/contacts/skeleton";

export default function ContactsLoading() {
  return (
    <div role="status" aria-label="Loading contacts">
      <div className="mb-6 flex flex-wrap items-end justify-between gap-3">
        <div className="space-y-2">
          <div className="h-8 w-40 animate-pulse rounded-lg bg-surface-2" />
          <div className="h-4 w-64 animate-pulse rounded bg-surface-2" />
        </div>
        <div className="h-9 w-32 animate-pulse rounded-lg bg-surface-2" />
      </div>
      <div className="mb-4 h-10 animate-pulse rounded-lg bg-surface-2" />
      <TableSkeleton />
    </div>
  );
}
