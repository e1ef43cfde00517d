import Link from "next/link";

/** The product mark: a speech bubble in the accent colour, and the name. */
export function Brand({ href = "/dashboard", compact = false }: { href?: string; compact?: boolean }) {
  return (
    <Link href={href} className="inline-flex items-center gap-2 rounded-lg font-semibold text-text">
      <span className="inline-flex h-8 w-8 items-center justify-center rounded-full bg-accent text-accent-contrast">
        <svg viewBox="0 0 24 24" width="18" height="18" fill="currentColor" aria-hidden="true">
          <path d="M12 3a9 9 0 0 0-7.8 13.5L3 21l4.6-1.2A9 9 0 1 0 12 3Zm-3.2 5.6c.2 0 .4 0 .5.4l.7 1.6c.1.2 0 .4-.1.6l-.5.6c-.1.1-.2.3 0 .5a6.6 6.6 0 0 0 3.3 2.9c.2.1.4.1.5-.1l.7-.8c.2-.2.3-.2.6-.1l1.5.7c.3.1.4.2.4.4 0 .8-.6 1.8-1.6 2-.7.1-1.6.1-3.6-.8a9.4 9.4 0 0 1-3.7-3.4c-.6-.9-.9-1.8-.9-2.6 0-.9.5-1.5.8-1.8.3-.3.6-.3.9-.3Z" />
        </svg>
      </span>
      {compact ? null : <span className="text-base tracking-tight">WA Platform</span>}
    </Link>
  );
}
