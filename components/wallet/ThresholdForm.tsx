"use client";

import { useRouter } from "next/navigation";
import { useId, useState, type FormEvent } from "react";
import { useSWRConfig } from "swr";
import { Button, Card, Field, Input } from "@/components/ui";
import { formatPaise } from "@/lib/money/format";
import { rupeesToPaise } from "./format";
import { WALLET_KEY } from "./use-wallet";

/** The low-balance alert level (PATCH /api/settings/low-balance). Lives in settings later. */
export function ThresholdForm({ thresholdPaise }: { thresholdPaise: number }) {
  const router = useRouter();
  const { mutate } = useSWRConfig();
  const id = useId();
  const [value, setValue] = useState(thresholdPaise % 100 ? (thresholdPaise / 100).toFixed(2) : String(thresholdPaise / 100));
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const paise = rupeesToPaise(value);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setMessage(null);
    if (paise === null) {
      setMessage({ ok: false, text: "Enter an amount in rupees (0 turns the alert off)" });
      return;
    }
    setBusy(true);
    try {
      const res = await fetch("/api/settings/low-balance", {
        method: "PATCH",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ threshold_paise: paise }),
      });
      const body = (await res.json()) as { threshold_paise?: number; error?: { message: string } };
      if (!res.ok) throw new Error(body.error?.message ?? "Could not save");
      setMessage({ ok: true, text: paise === 0 ? "Alert turned off." : `Alert set at ${formatPaise(paise)}.` });
      await mutate(WALLET_KEY);
      router.refresh();
    } catch (err) {
      setMessage({ ok: false, text: (err as Error).message });
    } finally {
      setBusy(false);
    }
  }

  return (
    <Card>
      <form onSubmit={submit} className="flex flex-col gap-3" noValidate>
        <h2 className="text-lg font-semibold">Low-balance alert</h2>
        <p className="text-sm text-muted">Owners and admins get an email and a notice here when the balance falls below this amount.</p>
        <div className="flex flex-wrap items-end gap-3">
          <div className="min-w-40 flex-1">
            <Field label="Alert below (₹)" htmlFor={`${id}-threshold`}>
              <Input id={`${id}-threshold`} inputMode="decimal" autoComplete="off" value={value} onChange={(e) => setValue(e.target.value)} />
            </Field>
          </div>
          <Button type="submit" variant="secondary" disabled={busy}>
            {busy ? "Saving…" : "Save"}
          </Button>
        </div>
        {message ? (
          <p role={message.ok ? "status" : "alert"} className={message.ok ? "text-sm text-success" : "text-sm text-danger"}>
            {message.text}
          </p>
        ) : null}
      </form>
    </Card>
  );
}
