"use client";

import { useId, useState, type FormEvent } from "react";
import { Button, cx } from "@/components/ui";
import { addDays, daysBetween, MAX_RANGE_DAYS, RANGE_PRESETS, today } from "@/lib/analytics/range";

export interface DayRange {
  from: string;
  to: string;
}

/**
 * Presets (last 7, 30, 90 days ending today in India) and a custom from/to. Calls onChange with
 * a valid range only; the server checks the same rules again.
 */
export function RangePicker({ value, onChange }: { value: DayRange; onChange: (r: DayRange) => void }) {
  const id = useId();
  const now = today();
  const [from, setFrom] = useState(value.from);
  const [to, setTo] = useState(value.to);
  const [error, setError] = useState<string | null>(null);
  const [lastValue, setLastValue] = useState(value);
  // Follow the applied range when it changes from outside (a preset, the back button).
  if (lastValue.from !== value.from || lastValue.to !== value.to) {
    setLastValue(value);
    setFrom(value.from);
    setTo(value.to);
    setError(null);
  }
  const span = daysBetween(value.from, value.to);

  function apply(e: FormEvent) {
    e.preventDefault();
    if (!from || !to) return setError("Choose both dates.");
    if (from > to) return setError("The start date must be on or before the end date.");
    const n = daysBetween(from, to);
    if (n > MAX_RANGE_DAYS) return setError(`That is ${n} days; choose at most ${MAX_RANGE_DAYS}.`);
    setError(null);
    onChange({ from, to });
  }

  return (
    <div className="flex flex-wrap items-end gap-3">
      <div role="group" aria-label="Date range presets" className="flex rounded-lg border border-border bg-surface-2 p-0.5">
        {RANGE_PRESETS.map((n) => {
          const active = value.to === now && span === n;
          return (
            <button
              key={n}
              type="button"
              aria-pressed={active}
              onClick={() => onChange({ from: addDays(now, -(n - 1)), to: now })}
              className={cx(
                "rounded-md px-3 py-1.5 text-sm font-medium transition-colors",
                active ? "bg-accent text-accent-contrast" : "text-text hover:bg-surface-3",
              )}
            >
              {n} days
            </button>
          );
        })}
      </div>
      <form onSubmit={apply} className="flex flex-wrap items-end gap-2" aria-describedby={error ? `${id}-error` : undefined}>
        <label className="text-xs text-muted">
          From
          <input
            type="date"
            value={from}
            max={now}
            onChange={(e) => setFrom(e.target.value)}
            className="mt-1 block rounded-lg border border-border bg-surface-2 px-2 py-1.5 text-sm text-text"
          />
        </label>
        <label className="text-xs text-muted">
          To
          <input
            type="date"
            value={to}
            max={now}
            onChange={(e) => setTo(e.target.value)}
            className="mt-1 block rounded-lg border border-border bg-surface-2 px-2 py-1.5 text-sm text-text"
          />
        </label>
        <Button type="submit" variant="secondary" className="py-1.5">
          Apply
        </Button>
        {error ? (
          <p id={`${id}-error`} role="alert" className="basis-full text-xs text-danger">
            {error}
          </p>
        ) : null}
      </form>
    </div>
  );
}
