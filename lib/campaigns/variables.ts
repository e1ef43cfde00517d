import { z } from "zod";
import type { OutboundMessage } from "../messaging/outbound";
import type { Candidate } from "./audience";

// A template's body variables {{1}}..{{n}}, each mapped to a contact field or static text.

export const variableSchema = z.discriminatedUnion("source", [
  z.object({ source: z.literal("name"), fallback: z.string().max(1024).optional() }),
  z.object({ source: z.literal("phone") }),
  z.object({
    source: z.literal("attribute"),
    key: z.string().trim().min(1, "name the attribute").max(64),
    fallback: z.string().max(1024).optional(),
  }),
  z.object({ source: z.literal("text"), value: z.string().trim().min(1, "static text cannot be empty").max(1024) }),
]);
export type VariableMapping = z.infer<typeof variableSchema>;

/** The number of distinct body variables ({{1}}..{{n}}) in a template's components. */
export function bodyVariableCount(components: unknown): number {
  if (!Array.isArray(components)) return 0;
  const body = components.find((c) => c && typeof c === "object" && String((c as { type?: unknown }).type).toUpperCase() === "BODY") as
    | { text?: unknown }
    | undefined;
  const text = typeof body?.text === "string" ? body.text : "";
  const nums = new Set([...text.matchAll(/\{\{\s*(\d+)\s*\}\}/g)].map((m) => Number(m[1])));
  return nums.size ? Math.max(...nums) : 0;
}

/** The body text of a template, for previews. */
export function bodyText(components: unknown): string {
  if (!Array.isArray(components)) return "";
  const body = components.find((c) => c && typeof c === "object" && String((c as { type?: unknown }).type).toUpperCase() === "BODY") as
    | { text?: unknown }
    | undefined;
  return typeof body?.text === "string" ? body.text : "";
}

/** The parameters for one recipient, or the reason it cannot be sent (a variable with no value). */
export function renderParams(mapping: VariableMapping[], c: Pick<Candidate, "name" | "e164" | "attributes">): { params: string[] } | { missing: string } {
  const params: string[] = [];
  for (let i = 0; i < mapping.length; i++) {
    const m = mapping[i];
    let v: string | null = null;
    if (m.source === "name") v = c.name?.trim() || m.fallback?.trim() || null;
    else if (m.source === "phone") v = c.e164;
    else if (m.source === "attribute") {
      const a = c.attributes[m.key];
      v = (a === undefined || a === null || a === "" ? null : String(a).trim()) || m.fallback?.trim() || null;
    } else v = m.value;
    if (!v) return { missing: `No value for {{${i + 1}}} (${m.source === "attribute" ? `attributes.${m.key}` : m.source}) and no fallback` };
    // Meta refuses newlines, tabs and more than 4 consecutive spaces in a parameter.
    params.push(v.replace(/[\r\n\t]+/g, " ").replace(/ {4,}/g, "   ").slice(0, 1024));
  }
  return { params };
}

export function templateMessage(name: string, language: string, params: string[]): OutboundMessage {
  return {
    type: "template",
    template: {
      name,
      language: { code: language },
      ...(params.length ? { components: [{ type: "body", parameters: params.map((text) => ({ type: "text", text })) }] } : {}),
    },
  } as OutboundMessage;
}
