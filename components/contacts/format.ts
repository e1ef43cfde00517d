import { DISPLAY_TIME_ZONE } from "../time-zone";

// Display helpers shared by the contacts list, panel and detail page (no phone library in the
// browser bundle: numbers arrive normalized as E.164).

/** "+919876543210" → "+91 98765 43210"; other countries keep E.164, which is unambiguous. */
export function formatPhone(e164: string | null, waId?: string): string {
  const n = e164 ?? (waId ? `+${waId}` : "");
  const india = /^\+91(\d{5})(\d{5})$/.exec(n);
  if (india) return `+91 ${india[1]} ${india[2]}`;
  const us = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(n);
  if (us) return `+1 ${us[1]} ${us[2]} ${us[3]}`;
  return n;
}

// Dates show in India time (components/time-zone.ts).

export function formatDate(iso: string | null): string {
  if (!iso) return "—";
  return new Date(iso).toLocaleDateString("en-IN", { day: "numeric", month: "short", year: "numeric", timeZone: DISPLAY_TIME_ZONE });
}

export function formatDateTime(iso: string | null): string {
  if (!iso) return "—";
  return `${new Date(iso).toLocaleString("en-IN", {
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "numeric",
    minute: "2-digit",
    timeZone: DISPLAY_TIME_ZONE,
  })} IST`;
}

/** "3 min ago", "yesterday", or a date for anything older than a week. */
export function timeAgo(iso: string | null, now = Date.now()): string {
  if (!iso) return "—";
  const s = Math.round((now - new Date(iso).getTime()) / 1000);
  const rtf = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
  if (s < 60) return "just now";
  if (s < 3600) return rtf.format(-Math.floor(s / 60), "minute");
  if (s < 86400) return rtf.format(-Math.floor(s / 3600), "hour");
  if (s < 7 * 86400) return rtf.format(-Math.floor(s / 86400), "day");
  return formatDate(iso);
}

const WINDOW_MS = 24 * 60 * 60 * 1000;

/** WhatsApp's customer-service window: free-form replies for 24 hours after their last message. */
export function replyWindow(lastInboundIso: string | null, now = Date.now()): { open: boolean; endsAt: string | null } {
  if (!lastInboundIso) return { open: false, endsAt: null };
  const ends = new Date(lastInboundIso).getTime() + WINDOW_MS;
  return { open: ends > now, endsAt: new Date(ends).toISOString() };
}
