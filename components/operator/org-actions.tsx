"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { Button, Field, Input } from "@/components/ui";
import { api, RequestError } from "@/components/settings/api";

/** Per-organization operator actions: fee, suspension, and balance adjustments with a reason. */
export function OrgActions({ org }: { org: { id: string; name: string; status: string; service_fee_paise: number } }) {
  const router = useRouter();
  const [fee, setFee] = useState(String(org.service_fee_paise));
  const [amount, setAmount] = useState("");
  const [reason, setReason] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [notice, setNotice] = useState<{ ok: boolean; text: string }>();

  async function run(fn: () => Promise<unknown>, ok: string) {
    setErrors({});
    setNotice(undefined);
    try {
      await fn();
      setNotice({ ok: true, text: ok });
      router.refresh();
    } catch (err) {
      if (err instanceof RequestError) setErrors(err.fields);
      setNotice({ ok: false, text: err instanceof Error ? err.message : "Failed." });
    }
  }

  const id = org.id.slice(0, 8);
  return (
    <div className="grid gap-4 lg:grid-cols-[minmax(12rem,1fr)_minmax(22rem,2fr)_auto] lg:items-end">
      <form
        className="flex items-end gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          void run(
            () => api(`/api/operator/orgs/${org.id}`, { method: "PATCH", body: { service_fee_paise: Number(fee) } }),
            `Fee for ${org.name} set to ${fee} paise.`,
          );
        }}
      >
        <Field label="Fee (paise per message)" htmlFor={`fee-${id}`} error={errors.service_fee_paise}>
          <Input id={`fee-${id}`} inputMode="numeric" value={fee} onChange={(e) => setFee(e.target.value)} />
        </Field>
        <Button type="submit" variant="secondary">
          Set
        </Button>
      </form>
      <form
        className="flex flex-wrap items-end gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          void run(
            () =>
              api(`/api/operator/orgs/${org.id}/adjustments`, {
                method: "POST",
                body: { amount_paise: Number(amount), reason },
              }),
            `Adjusted ${org.name} by ${amount} paise.`,
          );
        }}
      >
        <div className="w-36">
          <Field label="Adjust (paise, − to debit)" htmlFor={`amt-${id}`} error={errors.amount_paise}>
            <Input id={`amt-${id}`} inputMode="numeric" value={amount} onChange={(e) => setAmount(e.target.value)} />
          </Field>
        </div>
        <div className="min-w-40 flex-1">
          <Field label="Reason" htmlFor={`reason-${id}`} error={errors.reason}>
            <Input id={`reason-${id}`} value={reason} onChange={(e) => setReason(e.target.value)} />
          </Field>
        </div>
        <Button type="submit" variant="secondary">
          Apply
        </Button>
      </form>
      <div className="flex items-end justify-end">
        <Button
          variant={org.status === "active" ? "danger" : "primary"}
          onClick={() => {
            const next = org.status === "active" ? "suspended" : "active";
            if (next === "suspended" && !confirm(`Suspend ${org.name}? Its sends and API keys stop at once.`)) return;
            void run(() => api(`/api/operator/orgs/${org.id}`, { method: "PATCH", body: { status: next } }), `${org.name} is now ${next}.`);
          }}
        >
          {org.status === "active" ? "Suspend" : "Reactivate"}
        </Button>
      </div>
      {notice ? (
        <p role="status" className={`lg:col-span-3 text-sm ${notice.ok ? "text-success" : "text-danger"}`}>
          {notice.text}
        </p>
      ) : null}
    </div>
  );
}
