/** WhatsApp-style delivery state of an outbound message, with a text alternative. */
export function Ticks({ status, error }: { status: string; error?: { code: number | null; title: string | null } | null }) {
  if (status === "failed") {
    return (
      <span className="text-danger" title={error?.title ?? "Failed"}>
        <span aria-hidden>⚠</span>
        <span className="sr-only">Failed{error?.title ? `: ${error.title}` : ""}</span>
      </span>
    );
  }
  const map: Record<string, { glyph: string; label: string; className: string }> = {
    pending: { glyph: "🕓", label: "Sending", className: "text-muted" },
    sent: { glyph: "✓", label: "Sent", className: "text-muted" },
    delivered: { glyph: "✓✓", label: "Delivered", className: "text-muted" },
    read: { glyph: "✓✓", label: "Read", className: "text-focus" },
  };
  const t = map[status] ?? map.sent;
  return (
    <span className={`${t.className} text-xs font-semibold`} title={t.label} data-status={status}>
      <span aria-hidden>{t.glyph}</span>
      <span className="sr-only">{t.label}</span>
    </span>
  );
}
