// Display helpers for the inbox (pure, shared by the list and the thread).

export function timeLabel(iso: string | Date, now = new Date()): string {
  const d = new Date(iso);
  const sameDay = d.toDateString() === now.toDateString();
  if (sameDay) return d.toLocaleTimeString("en-IN", { hour: "2-digit", minute: "2-digit" });
  const diffDays = (now.getTime() - d.getTime()) / 86_400_000;
  if (diffDays < 7) return d.toLocaleDateString("en-IN", { weekday: "short" });
  return d.toLocaleDateString("en-IN", { day: "numeric", month: "short" });
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
