// Which auto-reply rule fires for an inbound text. Pure, so the dashboard's live tester, the
// webhook processor and the unit tests all run the same code.

export type MatchType = "exact" | "contains" | "starts_with";

export interface MatchableRule {
  id: string;
  match_type: MatchType;
  keyword: string;
  priority: number;
  enabled: boolean;
  created_at?: Date | string;
}

/** Case-insensitive, trimmed, inner whitespace collapsed, Unicode compatibility-normalised. */
export function normalizeForMatch(s: string): string {
  return s.normalize("NFKC").trim().replace(/\s+/g, " ").toLowerCase();
}

function matches(rule: MatchableRule, text: string): boolean {
  const keyword = normalizeForMatch(rule.keyword);
  if (!keyword) return false;
  switch (rule.match_type) {
    case "exact":
      return text === keyword;
    case "contains":
      return text.includes(keyword);
    case "starts_with":
      return text.startsWith(keyword);
  }
}

const time = (d: Date | string | undefined) => (d === undefined ? 0 : new Date(d).getTime());

/** Enabled rules in firing order: priority ascending, then oldest first, then id (a total order). */
export function orderRules<R extends MatchableRule>(rules: R[]): R[] {
  return rules
    .filter((r) => r.enabled)
    .sort((a, b) => a.priority - b.priority || time(a.created_at) - time(b.created_at) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The first enabled rule, in priority order, whose keyword matches the text; null when none does. */
export function matchRule<R extends MatchableRule>(rules: R[], text: string): R | null {
  const t = normalizeForMatch(text);
  if (!t) return null;
  return orderRules(rules).find((r) => matches(r, t)) ?? null;
}
