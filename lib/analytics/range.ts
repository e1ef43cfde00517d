import { z } from "zod";

/**
 * Every analytics figure is bucketed by calendar day in this time zone (the platform bills in INR
 * for Indian businesses). The rollup table stores these days, so changing it means rebuilding the
 * rollup (supabase/migrations/20261123800001_analytics_rollup.sql).
 */
export const ANALYTICS_TIME_ZONE = "Asia/Kolkata";

export const MAX_RANGE_DAYS = 366;
export const DEFAULT_RANGE_DAYS = 30;
export const RANGE_PRESETS = [7, 30, 90] as const;

const DAY_MS = 86_400_000;
const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Today's calendar date (YYYY-MM-DD) in the analytics time zone. */
export function today(now: Date = new Date()): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: ANALYTICS_TIME_ZONE, year: "numeric", month: "2-digit", day: "2-digit" }).format(now);
}

/** A calendar date plus n days (n may be negative); pure date arithmetic, no time zone involved. */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

/** Days from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS) + 1;
}

/** Every day from `from` to `to`, both included. */
export function eachDay(from: string, to: string): string[] {
  const n = daysBetween(from, to);
  return Array.from({ length: Math.max(0, n) }, (_, i) => addDays(from, i));
}

// Messages leave out the field's name: describeZodError puts the path in front ("from: ...").
const isoDate = () =>
  z
    .string()
    .trim()
    .regex(ISO_DAY, "must be a date written YYYY-MM-DD, like 2026-01-31")
    .refine((s) => {
      const d = new Date(`${s}T00:00:00Z`);
      return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
    }, "is not a real calendar date")
    .refine((s) => s >= "2000-01-01" && s <= "2999-12-31", "must be between 2000-01-01 and 2999-12-31");

// Query strings give "" for an empty input; treat it as absent.
const emptyAsUndefined = (v: unknown) => (v === "" || v === null ? undefined : v);

/**
 * The analytics query: `from` and `to` are calendar days in Asia/Kolkata, both included; either
 * may be left out (to = today, from = 29 days before to). `channel_id` limits message figures to
 * one channel.
 */
export const analyticsQuerySchema = z
  .object({
    from: z.preprocess(emptyAsUndefined, isoDate().optional()),
    to: z.preprocess(emptyAsUndefined, isoDate().optional()),
    channel_id: z.preprocess(emptyAsUndefined, z.uuid("must be a channel id (a UUID)").optional()),
  })
  .transform((q, ctx) => {
    const to = q.to ?? (q.from ? minDay(addDays(q.from, DEFAULT_RANGE_DAYS - 1), today()) : today());
    const from = q.from ?? addDays(to, -(DEFAULT_RANGE_DAYS - 1));
    if (from > to) {
      ctx.addIssue({ code: "custom", message: `from (${from}) must be on or before to (${to})` });
      return z.NEVER;
    }
    const days = daysBetween(from, to);
    if (days > MAX_RANGE_DAYS) {
      ctx.addIssue({ code: "custom", message: `The range from ${from} to ${to} is ${days} days; choose at most ${MAX_RANGE_DAYS}` });
      return z.NEVER;
    }
    return { from, to, days, channelId: q.channel_id ?? null };
  });

export type AnalyticsQuery = z.output<typeof analyticsQuerySchema>;

/** The operator's query: the same range rules, no channel. */
export const operatorQuerySchema = analyticsQuerySchema.transform((q) => ({ from: q.from, to: q.to, days: q.days }));
export type OperatorQuery = z.output<typeof operatorQuerySchema>;

/** Reads the query from URL search params (all values as strings). */
export function queryFromSearchParams(params: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of ["from", "to", "channel_id"]) {
    const v = params.get(key);
    if (v !== null) out[key] = v;
  }
  return out;
}

function minDay(a: string, b: string): string {
  return a < b ? a : b;
}
