import { DISPLAY_TIME_ZONE, sameIndiaDay } from "../time-zone";

// Display helpers for the inbox (pure, shared by the list and the thread).

const clock = new Intl.DateTimeFormat("en-IN", { timeZone: DISPLAY_TIME_ZONE, hour: "2-digit", minute: "2-digit" });
const weekday = new Intl.DateTimeFormat("en-IN", { timeZone: DISPLAY_TIME_ZONE, weekday: "short" });
const dayMonth = new Intl.DateTimeFormat("en-IN", { timeZone: DISPLAY_TIME_ZONE, day: "numeric", month: "short" });

/** Today's messages by their time, this week's by weekday, older ones by date; India time. */
export function timeLabel(iso: string | Date, now = new Date()): string {
  const d = new Date(iso);
  if (sameIndiaDay(d, now)) return clock.format(d);
  const diffDays = (now.getTime() - d.getTime()) / 86_400_000;
  if (diffDays < 7) return weekday.format(d);
  return dayMonth.format(d);
}

export function displayName(c: { name: string | null; profile_name: string | null; wa_id: string }): string {
  return c.name || c.profile_name || `+${c.wa_id}`;
}

/** One line describing a message, for previews and for non-text bubbles. */
export function describeMessage(m: { type: string; text: string | null; content?: Record<string, unknown> }): string {
  if (m.text) return m.text;
  const c = (m.content ?? {}) as Record<string, { caption?: string; name?: string; emoji?: string; title?: string } | undefined>;
  switch (m.type) {
    case "image":
      return `📷 Photo${c.image?.caption ? `: ${c.image.caption}` : ""}`;
    case "video":
      return `🎥 Video${c.video?.caption ? `: ${c.video.caption}` : ""}`;
    case "audio":
      return "🎤 Voice message";
    case "document":
      return `📄 ${c.document?.caption || "Document"}`;
    case "location":
      return `📍 ${c.location?.name || "Location"}`;
    case "reaction":
      return `Reacted ${c.reaction?.emoji ?? ""}`;
    case "template":
      return "Template message";
    case "interactive":
      return "Interactive message";
    default:
      return m.type;
  }
}
