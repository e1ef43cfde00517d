import Link from "next/link";
import { cx } from "@/components/ui";
import type { SetupProgress } from "@/lib/orgs/overview";

const steps: Array<{ key: keyof SetupProgress; title: string; done: string; todo: string; href: string; action: string }> = [
  {
    key: "channelConnected",
    title: "Connect WhatsApp",
    done: "A WhatsApp number is connected.",
    todo: "Connect your WhatsApp Business number to send and receive messages.",
    href: "/channels",
    action: "Connect a number",
  },
  {
    key: "walletCredited",
    title: "Recharge your wallet",
    done: "Your wallet has been recharged.",
    todo: "Add money to your prepaid wallet. Each message takes a small service fee from it.",
    href: "/wallet",
    action: "Recharge",
  },
  {
    key: "firstMessageSent",
    title: "Send your first message",
    done: "You have sent a message.",
    todo: "Say hello to a customer from the inbox.",
    href: "/inbox",
    action: "Open inbox",
  },
];

/** The three first steps, each ticked from real data (lib/orgs/overview.ts getSetupProgress). */
export function SetupChecklist({ progress }: { progress: SetupProgress }) {
  const done = steps.filter((s) => progress[s.key]).length;
  return (
    <div>
      <div className="mb-3 flex items-center justify-between gap-3">
        <p className="text-sm text-muted">
          {done} of {steps.length} done
        </p>
        <div className="h-1.5 w-32 overflow-hidden rounded-full bg-border" aria-hidden="true">
          <div className="h-full rounded-full bg-accent" style={{ width: `${(done / steps.length) * 100}%` }} />
        </div>
      </div>
      <ol className="divide-y divide-border overflow-hidden rounded-xl border border-border">
        {steps.map((s, i) => {
          const isDone = progress[s.key];
          return (
            <li key={s.key} className="flex items-start gap-3 bg-surface p-4 sm:items-center">
              <span
                className={cx(
                  "mt-0.5 inline-flex h-7 w-7 shrink-0 items-center justify-center rounded-full text-xs font-semibold sm:mt-0",
                  isDone ? "bg-accent text-accent-contrast" : "border border-border text-muted",
                )}
                aria-hidden="true"
              >
                {isDone ? (
                  <svg viewBox="0 0 24 24" width="14" height="14" fill="none" stroke="currentColor" strokeWidth="3">
                    <path d="m5 12.5 4.5 4.5L19 7.5" strokeLinecap="round" strokeLinejoin="round" />
                  </svg>
                ) : (
                  i + 1
                )}
              </span>
              <div className="flex min-w-0 flex-1 flex-col gap-3 sm:flex-row sm:items-center sm:justify-between">
                <div className="min-w-0">
                  <p className={cx("font-medium", isDone && "text-muted line-through decoration-1")}>
                    {s.title}
                    <span className="sr-only">{isDone ? " (done)" : " (to do)"}</span>
                  </p>
                  <p className="text-sm text-muted">{isDone ? s.done : s.todo}</p>
                </div>
                {isDone ? null : (
                  <Link
                    href={s.href}
                    className="inline-flex shrink-0 items-center justify-center self-start rounded-lg border border-border bg-surface-2 px-3 py-1.5 text-sm font-medium hover:bg-surface-3 sm:self-auto"
                  >
                    {s.action}
                  </Link>
                )}
              </div>
            </li>
          );
        })}
      </ol>
    </div>
  );
}
