import { z } from "zod";

// Message templates in Meta's shape (POST /{waba_id}/message_templates): name, category,
// language and components HEADER (TEXT, IMAGE, DOCUMENT, VIDEO), BODY, FOOTER, BUTTONS
// (QUICK_REPLY, URL, PHONE_NUMBER). Types are accepted in any case and sent upper-case, as Meta
// documents them. Variables are {{1}}, {{2}}, … without gaps, with examples when used.

export const TEMPLATE_STATUSES = [
  "PENDING",
  "APPROVED",
  "REJECTED",
  "PAUSED",
  "DISABLED",
  "IN_APPEAL",
  "PENDING_DELETION",
  "DELETED",
  "LIMIT_EXCEEDED",
  "ARCHIVED",
] as const;
export type TemplateStatus = (typeof TEMPLATE_STATUSES)[number];
export const TEMPLATE_CATEGORIES = ["MARKETING", "UTILITY", "AUTHENTICATION"] as const;

const upper = (v: unknown) => (typeof v === "string" ? v.trim().toUpperCase() : v);
/** Upper-cases `type` and `format` (and the buttons' `type`) so "body" and "BODY" both parse. */
const normalizeComponent = (v: unknown) => {
  if (!v || typeof v !== "object" || Array.isArray(v)) return v;
  const c = { ...(v as Record<string, unknown>) };
  c.type = upper(c.type);
  if (c.format !== undefined) c.format = upper(c.format);
  if (Array.isArray(c.buttons)) {
    c.buttons = c.buttons.map((b) => (b && typeof b === "object" ? { ...(b as Record<string, unknown>), type: upper((b as Record<string, unknown>).type) } : b));
  }
  return c;
};

/** The variable numbers in a text, in order of appearance: "Hi {{1}}, {{2}}" → [1, 2]. */
export function variablesOf(text: string | undefined | null): number[] {
  return text ? [...text.matchAll(/\{\{\s*(\d+)\s*\}\}/g)].map((m) => Number(m[1])) : [];
}
/** How many parameters a text expects: its highest variable number ({{1}}..{{n}}). */
export function variableCount(text: string | undefined | null): number {
  return Math.max(0, ...variablesOf(text));
}

const text = (max: number, what: string) => z.string().trim().min(1, `${what} is required`).max(max, `${what} must be at most ${max} characters`);

const headerText = z.object({
  type: z.literal("HEADER"),
  format: z.literal("TEXT"),
  text: text(60, "header text"),
  example: z.object({ header_text: z.array(z.string().min(1)).length(1) }).optional(),
});
const headerMedia = z.object({
  type: z.literal("HEADER"),
  format: z.enum(["IMAGE", "DOCUMENT", "VIDEO"]),
  example: z.object({ header_handle: z.array(z.string().min(1)).min(1, "a media header needs an example (header_handle)") }),
});
const bodyComponent = z.object({
  type: z.literal("BODY"),
  text: text(1024, "body text"),
  example: z.object({ body_text: z.array(z.array(z.string().min(1, "examples cannot be empty"))).length(1) }).optional(),
});
const footerComponent = z.object({ type: z.literal("FOOTER"), text: text(60, "footer text") });
const button = z.discriminatedUnion(
  "type",
  [
    z.object({ type: z.literal("QUICK_REPLY"), text: text(25, "button text") }),
    z.object({
      type: z.literal("URL"),
      text: text(25, "button text"),
      url: z.string().trim().url("button url must be a URL, e.g. https://example.com/track/{{1}}").max(2000),
      example: z.array(z.string().min(1)).length(1).optional(),
    }),
    z.object({
      type: z.literal("PHONE_NUMBER"),
      text: text(25, "button text"),
      phone_number: z.string().trim().regex(/^\+?[1-9]\d{6,14}$/, "phone_number must be international, e.g. +919876543210"),
    }),
  ],
  { error: () => "button type must be QUICK_REPLY, URL or PHONE_NUMBER" },
);
const buttonsComponent = z.object({
  type: z.literal("BUTTONS"),
  buttons: z.array(button).min(1, "give at least one button").max(10, "at most 10 buttons"),
});

export const templateComponentSchema = z.preprocess(
  normalizeComponent,
  z.union([headerText, headerMedia, bodyComponent, footerComponent, buttonsComponent], {
    error: () => "each component is HEADER (format TEXT, IMAGE, DOCUMENT or VIDEO), BODY, FOOTER or BUTTONS",
  }),
);
export type TemplateComponent = z.infer<typeof templateComponentSchema>;

function checkVariables(where: string, t: string, example: string[] | undefined, ctx: z.RefinementCtx, path: (string | number)[]) {
  const vars = variablesOf(t);
  if (!vars.length) return;
  const distinct = [...new Set(vars)].sort((a, b) => a - b);
  if (distinct.some((v, i) => v !== i + 1)) {
    ctx.addIssue({ code: "custom", path, message: `${where} variables must be numbered {{1}}, {{2}}, … without gaps` });
    return;
  }
  if (!example) {
    ctx.addIssue({ code: "custom", path, message: `${where} uses ${distinct.length} variable(s): give an example value for each` });
  } else if (example.length !== distinct.length) {
    ctx.addIssue({ code: "custom", path, message: `${where} has ${distinct.length} variable(s) but ${example.length} example value(s)` });
  }
}

export const createTemplateSchema = z
  .object({
    name: z
      .string({ error: "name is required" })
      .trim()
      .regex(/^[a-z0-9_]{1,512}$/, "name: lowercase letters, digits and underscores only (e.g. order_update)"),
    category: z.preprocess(upper, z.enum(TEMPLATE_CATEGORIES, { error: () => "category must be MARKETING, UTILITY or AUTHENTICATION" })),
    language: z
      .string({ error: "language is required, e.g. en_US" })
      .trim()
      .regex(/^[a-z]{2,3}(_[A-Za-z]{2,4})?$/, "language must be a code like en, en_US or hi"),
    components: z.array(templateComponentSchema).min(1, "a template needs at least a BODY").max(4),
    channel_id: z.string().uuid("channel_id must be a channel id (uuid)").optional(),
  })
  .superRefine((t, ctx) => {
    const count = (type: string) => t.components.filter((c) => c.type === type).length;
    if (count("BODY") !== 1) ctx.addIssue({ code: "custom", path: ["components"], message: "a template has exactly one BODY" });
    for (const type of ["HEADER", "FOOTER", "BUTTONS"]) {
      if (count(type) > 1) ctx.addIssue({ code: "custom", path: ["components"], message: `a template has at most one ${type}` });
    }
    t.components.forEach((c, i) => {
      const path = ["components", i];
      if (c.type === "BODY") checkVariables("BODY", c.text, c.example?.body_text[0], ctx, path);
      if (c.type === "HEADER" && c.format === "TEXT") {
        if (variablesOf(c.text).length > 1 || variableCount(c.text) > 1) ctx.addIssue({ code: "custom", path, message: "a text HEADER has at most one variable, {{1}}" });
        else checkVariables("HEADER", c.text, c.example?.header_text, ctx, path);
      }
      if (c.type === "FOOTER" && variablesOf(c.text).length) ctx.addIssue({ code: "custom", path, message: "a FOOTER cannot have variables" });
      if (c.type === "BUTTONS") {
        c.buttons.forEach((b, j) => {
          if (b.type !== "URL") return;
          const vars = variablesOf(b.url);
          if (vars.length > 1 || (vars.length === 1 && (vars[0] !== 1 || !/\{\{\s*1\s*\}\}$/.test(b.url)))) {
            ctx.addIssue({ code: "custom", path: [...path, "buttons", j], message: "a URL button may end with one variable, {{1}}" });
          } else if (vars.length === 1 && !b.example) {
            ctx.addIssue({ code: "custom", path: [...path, "buttons", j], message: "a URL button with {{1}} needs an example URL suffix" });
          }
        });
      }
    });
  });
export type CreateTemplateInput = z.infer<typeof createTemplateSchema>;

export const listTemplatesQuerySchema = z.object({
  status: z.preprocess(upper, z.enum(TEMPLATE_STATUSES)).optional(),
  name: z.string().trim().max(512).optional(),
  channel_id: z.string().uuid("channel_id must be a channel id (uuid)").optional(),
  waba_id: z.string().trim().regex(/^\d{1,32}$/, "waba_id must be a WhatsApp Business Account id (digits)").optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(2000).optional(),
});
export type ListTemplatesQuery = z.input<typeof listTemplatesQuerySchema>;

export const syncTemplatesSchema = z.object({ channel_id: z.string().uuid("channel_id must be a channel id (uuid)").optional() }).default({});
