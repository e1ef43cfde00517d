/** A plain-text table with left-aligned columns (right-aligned where asked), for terminal output. */
export function table(headers: string[], rows: string[][], opts: { alignRight?: number[] } = {}): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const right = new Set(opts.alignRight ?? []);
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (right.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
}
