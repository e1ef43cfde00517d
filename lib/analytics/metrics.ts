// The figures every analytics view shows, derived from the rollup's exclusive status counts.
// A message counts on the day it was created, under its current (furthest) status.

/** Outbound messages by current status, inbound messages, and net fees, as stored in the rollup. */
export interface RawCounts {
  pending: number;
  sent: number;
  delivered: number;
  read: number;
  failed: number;
  inbound: number;
  fees_paise: number;
}

export interface Metrics {
  /** Every outbound message created (pending + sent + delivered + read + failed). */
  outbound: number;
  /** Still on its way (not yet accepted by WhatsApp, or retrying). */
  pending: number;
  /** Accepted by WhatsApp: current status sent, delivered or read. */
  sent: number;
  /** Reached the phone: delivered or read. */
  delivered: number;
  read: number;
  failed: number;
  inbound: number;
  /** Service fees of these messages less the refunded ones, in paise. */
  fees_paise: number;
  /** delivered / (sent + failed), or null with nothing sent. */
  delivery_rate: number | null;
  /** read / delivered, or null with nothing delivered. */
  read_rate: number | null;
}

export const ZERO: RawCounts = { pending: 0, sent: 0, delivered: 0, read: 0, failed: 0, inbound: 0, fees_paise: 0 };

export function addCounts(a: RawCounts, b: RawCounts): RawCounts {
  return {
    pending: a.pending + b.pending,
    sent: a.sent + b.sent,
    delivered: a.delivered + b.delivered,
    read: a.read + b.read,
    failed: a.failed + b.failed,
    inbound: a.inbound + b.inbound,
    fees_paise: a.fees_paise + b.fees_paise,
  };
}

/** Rates are rounded to 4 decimals (0.1234 = 12.34%). */
function rate(part: number, whole: number): number | null {
  return whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : null;
}

export function toMetrics(c: RawCounts): Metrics {
  const delivered = c.delivered + c.read;
  const sent = c.sent + delivered;
  return {
    outbound: c.pending + sent + c.failed,
    pending: c.pending,
    sent,
    delivered,
    read: c.read,
    failed: c.failed,
    inbound: c.inbound,
    fees_paise: c.fees_paise,
    delivery_rate: rate(delivered, sent + c.failed),
    read_rate: rate(c.read, delivered),
  };
}

/** The SQL select list that sums rollup rows into RawCounts (table alias s). */
export const SUM_COUNTS_SQL = `coalesce(sum(s.pending), 0)::bigint as pending,
  coalesce(sum(s.sent), 0)::bigint as sent,
  coalesce(sum(s.delivered), 0)::bigint as delivered,
  coalesce(sum(s.read), 0)::bigint as read,
  coalesce(sum(s.failed), 0)::bigint as failed,
  coalesce(sum(s.inbound), 0)::bigint as inbound,
  coalesce(sum(s.fees_paise), 0)::bigint as fees_paise`;
