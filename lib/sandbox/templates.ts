import { createHash } from "node:crypto";

// What the sandbox Graph API knows about message templates: the stock templates every sandbox
// WABA starts with (Meta gives every WABA `hello_world`; the demo needs one with variables), their
// stable ids (so the rows the app stores when a sandbox channel connects match what a sync later
// reads), and the review the sandbox does instead of Meta's people.

export interface SandboxTemplate {
  id: string;
  name: string;
  language: string;
  category: "MARKETING" | "UTILITY" | "AUTHENTICATION";
  status: string;
  rejected_reason?: string;
  components: Array<Record<string, unknown>>;
}

/** The templates every sandbox WABA has from the start, already APPROVED. */
export const SANDBOX_STOCK_TEMPLATES: ReadonlyArray<Omit<SandboxTemplate, "id" | "status">> = [
  {
    // As Meta's own sample template.
    name: "hello_world",
    language: "en_US",
    category: "UTILITY",
    components: [
      { type: "HEADER", format: "TEXT", text: "Hello World" },
      { type: "BODY", text: "Welcome and congratulations!! This message demonstrates your ability to send a WhatsApp message notification from the Cloud API, hosted by Meta. Thank you for taking the time to test with us." },
      { type: "FOOTER", text: "WhatsApp Business Platform sample message" },
    ],
  },
  {
    name: "order_update",
    language: "en_US",
    category: "UTILITY",
    components: [
      { type: "BODY", text: "Hi {{1}}, your order {{2}} has shipped and will reach you soon.", example: { body_text: [["Priya", "#1042"]] } },
      { type: "FOOTER", text: "Reply STOP to opt out" },
    ],
  },
];

/** Meta lets a WABA create at most this many templates in any moving hour (REFERENCE.md, Templates). */
export const TEMPLATE_CREATIONS_PER_HOUR = 100;
export const TEMPLATE_CREATION_WINDOW_MS = 3_600_000;

/**
 * What the sandbox answers the creation over the limit: Meta's WABA rate-limit error (code 80007,
 * REFERENCE.md "Error codes"), HTTP 400 as Graph answers rate limits, with the limit in the details.
 */
export const TEMPLATE_CREATION_LIMITED = {
  http: 400,
  code: 80007,
  message: "(#80007) Rate limit issues",
  details: `The WhatsApp Business Account has reached its limit of ${TEMPLATE_CREATIONS_PER_HOUR} message template creations per hour.`,
} as const;

/** Meta's template ids are numeric; the sandbox derives stock ids from the WABA so they are stable. */
export function sandboxTemplateId(wabaId: string, name: string, language: string): string {
  const h = createHash("sha256").update(`${wabaId}\n${name}\n${language}`).digest();
  return String(10n ** 14n + (h.readBigUInt64BE(0) % (9n * 10n ** 14n)));
}

/** The sandbox's review, documented in README "Sandbox": what Meta would reject, it rejects. */
export function reviewTemplate(t: { name: string; components: Array<Record<string, unknown>> }): { status: "APPROVED" | "REJECTED"; reason?: string } {
  if (t.name.includes("reject")) return { status: "REJECTED", reason: "INVALID_FORMAT" };
  for (const c of t.components) {
    const text = typeof c.text === "string" ? c.text : "";
    const vars = [...text.matchAll(/\{\{\s*(\d+)\s*\}\}/g)].map((m) => Number(m[1]));
    const distinct = [...new Set(vars)].sort((a, b) => a - b);
    // Variables must be {{1}}, {{2}}, ... without gaps.
    if (distinct.some((v, i) => v !== i + 1)) return { status: "REJECTED", reason: "INVALID_FORMAT" };
    // A body may not start or end with a variable.
    if (c.type === "BODY" && (/^\s*\{\{/.test(text) || /\}\}\s*$/.test(text))) return { status: "REJECTED", reason: "INVALID_FORMAT" };
  }
  return { status: "APPROVED" };
}
