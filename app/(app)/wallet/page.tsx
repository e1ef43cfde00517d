import type { Metadata } from "next";
import Link from "next/link";
import { requirePageOrg } from "@/app/_server/page-caller";
import { Badge, Card, EmptyState, PageHeader } from "@/components/ui";
import { BalanceCard } from "@/components/wallet/BalanceCard";
import { formatMediumDateTime } from "@/components/time-zone";
import { LowBalanceNotice } from "@/components/wallet/LowBalanceNotice";
import { RechargeForm } from "@/components/wallet/RechargeForm";
import { ThresholdForm } from "@/components/wallet/ThresholdForm";
import { env } from "@/lib/config/env";
import { withTenant } from "@/lib/db/tx";
import { formatPaise } from "@/lib/money/format";
import { razorpaySettings } from "@/lib/payments/razorpay";
import { currentLowBalanceNotice } from "@/lib/wallet/low-balance";
import {
  getWalletSummary,
  KIND_LABELS,
  LEDGER_KINDS,
  ledgerFilterSchema,
  listLedger,
  listPayments,
  type LedgerFilter,
  type LedgerRow,
  type PaymentRow,
} from "@/lib/wallet/overview";

export const metadata: Metadata = { title: "Wallet" };

type SearchParams = Record<string, string | string[] | undefined>;

function first(v: string | string[] | undefined): string | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  return s ? s : undefined;
}

function queryString(filter: LedgerFilter, page?: number): string {
  const q = new URLSearchParams();
  if (filter.kind) q.set("kind", filter.kind);
  if (filter.from) q.set("from", filter.from);
  if (filter.to) q.set("to", filter.to);
  if (page && page > 1) q.set("page", String(page));
  const s = q.toString();
  return s ? `?${s}` : "";
}

const paymentTone = { created: "neutral", paid: "success", failed: "danger", refunded: "warning" } as const;
const paymentLabel = { created: "Created", paid: "Paid", failed: "Failed", refunded: "Refunded" } as const;

export default async function WalletPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const caller = await requirePageOrg();
  const sp = await searchParams;
  const parsed = ledgerFilterSchema.safeParse({ kind: first(sp.kind), from: first(sp.from), to: first(sp.to) });
  const filter: LedgerFilter = parsed.success ? parsed.data : {};
  const page = Number(first(sp.page) ?? "1") || 1;
  const isAdmin = caller.role === "owner" || caller.role === "admin";
  const settings = razorpaySettings();

  const data = await withTenant(caller.claims, async (db) => {
    const summary = await getWalletSummary(db, caller.orgId);
    const { rows: org } = await db.query<{ name: string }>("select name from public.organizations where id = $1", [caller.orgId]);
    return {
      summary,
      orgName: org[0]?.name ?? "",
      notice: isAdmin ? await currentLowBalanceNotice(db, caller.orgId) : null,
      ledger: await listLedger(db, caller.orgId, filter, page),
      payments: await listPayments(db, caller.orgId, 20),
    };
  });
  if (!data.summary) {
    return <EmptyState title="This organization has no wallet yet." />;
  }
  const filtered = Boolean(filter.kind || filter.from || filter.to);

  return (
    <div className="space-y-6">
      <PageHeader
        title="Wallet"
        description="Your prepaid balance pays the platform fee for each message you send."
        actions={
          <a
            href={`/api/wallet/transactions/export${queryString(filter)}`}
            className="inline-flex items-center gap-2 rounded-lg border border-border bg-surface-2 px-4 py-2 text-sm font-medium hover:bg-surface-3"
          >
            Export CSV
          </a>
        }
      />

      {first(sp.recharge) === "paid" ? (
        <p role="status" className="rounded-xl border border-success/40 bg-success/10 px-4 py-3 text-sm">
          <strong className="text-success">Payment received.</strong> Your wallet has been credited.
        </p>
      ) : null}
      {isAdmin ? <LowBalanceNotice /> : null}

      {/* Phones: balance, recharge, alert. Wide screens: balance and alert left, recharge right. */}
      <div className="grid items-start gap-6 lg:grid-cols-5">
        <BalanceCard
          className="lg:col-span-3"
          initial={{ ...data.summary, low_balance_notice: data.notice }}
          canRecharge={isAdmin}
          noticeShownAbove={isAdmin}
        />
        <div className="lg:col-span-2 lg:row-span-2">
          {isAdmin ? (
            <RechargeForm mode={settings?.mode ?? null} maxPaise={env().RECHARGE_MAX_PAISE} orgName={data.orgName} />
          ) : (
            <Card>
              <h2 className="text-lg font-semibold">Recharge</h2>
              <p className="mt-2 text-sm text-muted">Only owners and admins can recharge the wallet.</p>
            </Card>
          )}
        </div>
        {isAdmin ? (
          <div className="lg:col-span-3">
            <ThresholdForm thresholdPaise={data.summary.threshold_paise} />
          </div>
        ) : null}
      </div>

      <section className="rounded-xl border border-border bg-surface">
        <div className="flex flex-col gap-4 border-b border-border p-5">
          <h2 className="text-lg font-semibold">Transactions</h2>
          <form method="get" className="grid grid-cols-2 items-end gap-3 sm:flex sm:flex-wrap" aria-label="Filter transactions">
            <div className="col-span-2 space-y-1">
              <label htmlFor="kind" className="block text-sm font-medium">
                Type
              </label>
              <select
                id="kind"
                name="kind"
                defaultValue={filter.kind ?? ""}
                className="h-10 w-full rounded-lg border border-border bg-surface-2 px-3 text-sm text-text sm:w-auto"
              >
                <option value="">All</option>
                {LEDGER_KINDS.map((k) => (
                  <option key={k} value={k}>
                    {KIND_LABELS[k]}
                  </option>
                ))}
              </select>
            </div>
            <div className="space-y-1">
              <label htmlFor="from" className="block text-sm font-medium">
                From
              </label>
              <input
                id="from"
                name="from"
                type="date"
                defaultValue={filter.from ?? ""}
                className="h-10 w-full rounded-lg border border-border bg-surface-2 px-3 text-sm text-text sm:w-auto"
              />
            </div>
            <div className="space-y-1">
              <label htmlFor="to" className="block text-sm font-medium">
                To
              </label>
              <input
                id="to"
                name="to"
                type="date"
                defaultValue={filter.to ?? ""}
                className="h-10 w-full rounded-lg border border-border bg-surface-2 px-3 text-sm text-text sm:w-auto"
              />
            </div>
            <button type="submit" className="h-10 rounded-lg bg-surface-3 px-4 text-sm font-medium hover:opacity-90">
              Apply
            </button>
            {filtered ? (
              <Link href="/wallet" className="px-2 py-2 text-sm text-muted underline-offset-2 hover:text-text hover:underline">
                Clear
              </Link>
            ) : null}
          </form>
          {!parsed.success ? (
            <p role="alert" className="text-sm text-danger">
              Some filters were not valid and were ignored. Use dates like 2026-11-23.
            </p>
          ) : null}
        </div>
        {data.ledger.rows.length === 0 ? (
          <div className="p-5">
            <EmptyState title={filtered ? "No transactions match these filters." : "No transactions yet."}>
              {filtered ? null : "Recharges, message fees and refunds appear here."}
            </EmptyState>
          </div>
        ) : (
          <LedgerTable rows={data.ledger.rows} />
        )}
        {data.ledger.pageCount > 1 ? (
          <nav aria-label="Transaction pages" className="flex items-center justify-between gap-3 border-t border-border px-5 py-3 text-sm">
            <span className="text-muted">
              Page {data.ledger.page} of {data.ledger.pageCount} · {data.ledger.total.toLocaleString("en-IN")} transactions
            </span>
            <span className="flex gap-2">
              {data.ledger.page > 1 ? (
                <Link className="rounded-lg border border-border px-3 py-1.5 hover:bg-surface-2" href={`/wallet${queryString(filter, data.ledger.page - 1)}`}>
                  Newer
                </Link>
              ) : null}
              {data.ledger.page < data.ledger.pageCount ? (
                <Link className="rounded-lg border border-border px-3 py-1.5 hover:bg-surface-2" href={`/wallet${queryString(filter, data.ledger.page + 1)}`}>
                  Older
                </Link>
              ) : null}
            </span>
          </nav>
        ) : null}
      </section>

      <section className="rounded-xl border border-border bg-surface">
        <h2 className="border-b border-border p-5 text-lg font-semibold">Recharges</h2>
        {data.payments.length === 0 ? (
          <div className="p-5">
            <EmptyState title="No recharges yet." />
          </div>
        ) : (
          <PaymentsTable rows={data.payments} />
        )}
      </section>
    </div>
  );
}

function purposeLink(r: LedgerRow) {
  if (r.contact_id) {
    return (
      <Link href={`/inbox?contact=${r.contact_id}`} className="text-accent underline-offset-2 hover:underline">
        View conversation
      </Link>
    );
  }
  if (r.payment_id) {
    return (
      <a href={`#payment-${r.payment_id}`} className="text-accent underline-offset-2 hover:underline">
        View payment
      </a>
    );
  }
  return null;
}

function LedgerTable({ rows }: { rows: LedgerRow[] }) {
  return (
    <div className="overflow-x-auto">
      <table className="w-full table-fixed text-sm">
        <caption className="sr-only">Wallet transactions, newest first</caption>
        <thead className="text-left text-xs uppercase tracking-wide text-muted">
          <tr>
            <th scope="col" className="px-4 py-2 font-medium sm:px-5">
              For
            </th>
            <th scope="col" className="hidden w-52 px-5 py-2 font-medium sm:table-cell">
              Date
            </th>
            <th scope="col" className="w-32 px-4 py-2 text-right font-medium sm:w-36 sm:px-5">
              Amount
            </th>
            <th scope="col" className="hidden w-36 px-5 py-2 text-right font-medium sm:table-cell">
              Balance after
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-border">
          {rows.map((r) => (
            <tr key={r.id} data-testid="ledger-row">
              <td className="px-4 py-3 align-top sm:px-5">
                <div className="font-medium">{KIND_LABELS[r.kind] ?? r.kind}</div>
                {r.description && r.description !== KIND_LABELS[r.kind] ? <div className="truncate text-xs text-muted" title={r.description}>{r.description}</div> : null}
                <div className="mt-0.5 flex flex-wrap gap-x-3 text-xs">
                  <span className="text-muted sm:hidden">{formatMediumDateTime(r.created_at)}</span>
                  {purposeLink(r)}
                </div>
              </td>
              <td className="hidden whitespace-nowrap px-5 py-3 align-top text-muted sm:table-cell">{formatMediumDateTime(r.created_at)}</td>
              <td className="whitespace-nowrap px-4 py-3 text-right align-top sm:px-5">
                <div className={r.amount_paise > 0 ? "font-medium tabular-nums text-success" : "font-medium tabular-nums"}>
                  {r.amount_paise > 0 ? "+" : ""}
                  {formatPaise(r.amount_paise)}
                </div>
                <div className="text-xs tabular-nums text-muted sm:hidden">Bal. {formatPaise(r.balance_after_paise)}</div>
              </td>
              <td className="hidden whitespace-nowrap px-5 py-3 text-right align-top tabular-nums sm:table-cell">
                {formatPaise(r.balance_after_paise)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function PaymentsTable({ rows }: { rows: PaymentRow[] }) {
  return (
    <div className="overflow-x-auto">
      <table className="w-full table-fixed text-sm">
        <caption className="sr-only">Recharges, newest first</caption>
        <thead className="text-left text-xs uppercase tracking-wide text-muted">
          <tr>
            <th scope="col" className="px-4 py-2 font-medium sm:px-5">
              Date
            </th>
            <th scope="col" className="w-28 px-2 py-2 text-right font-medium sm:w-36 sm:px-5">
              Amount
            </th>
            <th scope="col" className="w-28 px-4 py-2 font-medium sm:w-36 sm:px-5">
              Status
            </th>
            <th scope="col" className="hidden w-64 px-5 py-2 font-medium md:table-cell">
              Razorpay reference
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-border">
          {rows.map((p) => (
            <tr key={p.id} id={`payment-${p.id}`} className="scroll-mt-24 target:bg-accent/10">
              <td className="px-4 py-3 align-top sm:px-5">
                <div>{formatMediumDateTime(p.created_at)}</div>
                {p.mode === "sandbox" ? <div className="text-xs text-muted">Sandbox</div> : null}
              </td>
              <td className="whitespace-nowrap px-2 py-3 text-right align-top font-medium tabular-nums sm:px-5">
                {formatPaise(p.amount_paise)}
                {p.refunded_paise > 0 && p.status !== "refunded" ? (
                  <div className="text-xs font-normal text-muted">{formatPaise(p.refunded_paise)} refunded</div>
                ) : null}
              </td>
              <td className="px-4 py-3 align-top sm:px-5">
                <Badge tone={paymentTone[p.status]}>{paymentLabel[p.status]}</Badge>
                {p.status === "failed" && p.failure_reason ? <div className="mt-1 text-xs text-muted">{p.failure_reason}</div> : null}
              </td>
              <td className="hidden break-all px-5 py-3 align-top font-mono text-xs text-muted md:table-cell">
                <div>{p.order_id}</div>
                {p.payment_id ? <div>{p.payment_id}</div> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
