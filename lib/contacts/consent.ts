// Opt-out and opt-in keywords a customer can send. A whole message (trimmed, any case, inner
// whitespace collapsed) must be the keyword: "stop" opts out, "please don't stop" does not.
export type ConsentKeyword = "out" | "in";

// Deliberately short: words like "cancel" mean other things ("cancel my order").
const OPT_OUT = new Set(["stop", "unsubscribe", "stop all", "opt out"]);
const OPT_IN = new Set(["start", "subscribe"]);

export function consentKeyword(text: string): ConsentKeyword | null {
  if (text.length > 32) return null;
  const t = text.trim().replace(/\s+/g, " ").toLowerCase();
  if (OPT_OUT.has(t)) return "out";
  if (OPT_IN.has(t)) return "in";
  return null;
}
