import { z } from "zod";
import { normalizePhone } from "./phone";

// Input rules for contacts, shared by the API, the dashboard and CSV import.

export const MAX_TAGS = 20;
export const MAX_TAG_LENGTH = 32;
export const MAX_NAME_LENGTH = 120;
export const MAX_ATTRIBUTES = 50;
export const MAX_ATTRIBUTE_KEY_LENGTH = 64;
export const MAX_ATTRIBUTE_VALUE_LENGTH = 1000;

const TAG_PATTERN = /^[a-z0-9_ -]+$/;

/** Trims, lower-cases and collapses inner spaces: " VIP  Customer " → "vip customer". */
export function cleanTag(raw: string): string {
  return raw.trim().toLowerCase().replace(/\s+/g, " ");
}

/** Why a (cleaned) tag is not allowed, or null when it is fine. */
export function tagProblem(tag: string): string | null {
  if (tag.length === 0) return "Tags cannot be empty.";
  if (tag.length > MAX_TAG_LENGTH) return `Tag '${tag.slice(0, 40)}' is longer than ${MAX_TAG_LENGTH} characters.`;
  if (!TAG_PATTERN.test(tag)) return `Tag '${tag}' may only contain letters, digits, spaces, '-' and '_'.`;
  return null;
}

export const tagSchema = z
  .string()
  .transform(cleanTag)
  .superRefine((tag, ctx) => {
    const problem = tagProblem(tag);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

/** A contact's tags: cleaned, de-duplicated, at most 20. */
export const tagsSchema = z
  .array(tagSchema)
  .transform((tags) => [...new Set(tags)])
  .refine((tags) => tags.length <= MAX_TAGS, `A contact can have at most ${MAX_TAGS} tags.`);

export const nameSchema = z
  .string()
  .trim()
  .max(MAX_NAME_LENGTH, `Name must be at most ${MAX_NAME_LENGTH} characters.`)
  .transform((s) => s || null)
  .nullable();

export type AttributeValue = string | number | boolean;
export type Attributes = Record<string, AttributeValue>;

const attributeKey = z
  .string()
  .trim()
  .min(1, "Attribute names cannot be empty.")
  .max(MAX_ATTRIBUTE_KEY_LENGTH, `Attribute names must be at most ${MAX_ATTRIBUTE_KEY_LENGTH} characters.`);
const attributeValue = z.union([
  z.string().max(MAX_ATTRIBUTE_VALUE_LENGTH, `Attribute values must be at most ${MAX_ATTRIBUTE_VALUE_LENGTH} characters.`),
  z.number().finite(),
  z.boolean(),
]);

export function attributeCountProblem(attrs: Record<string, unknown>): string | null {
  return Object.keys(attrs).length > MAX_ATTRIBUTES ? `A contact can have at most ${MAX_ATTRIBUTES} attributes.` : null;
}

/** Custom fields: names up to 64 characters, values strings, numbers or booleans, at most 50. */
export const attributesSchema = z
  .record(attributeKey, attributeValue)
  .refine((a) => !attributeCountProblem(a), `A contact can have at most ${MAX_ATTRIBUTES} attributes.`);

/** PATCH semantics for attributes (JSON merge patch): a key set to null is removed. */
export const attributesPatchSchema = z.record(attributeKey, attributeValue.nullable());

export const createContactSchema = z
  .object({
    // Checked here too (the service normalizes again) so a form gets every field's error at once.
    phone: z
      .string({ error: "Enter a phone number." })
      .max(64, "Phone number is too long.")
      .superRefine((value, ctx) => {
        const r = normalizePhone(value);
        if (!r.ok) ctx.addIssue({ code: "custom", message: r.reason });
      }),
    name: nameSchema.optional(),
    tags: tagsSchema.optional(),
    attributes: attributesSchema.optional(),
    opted_out: z.boolean().optional(),
  })
  .strict();
export type CreateContactInput = z.infer<typeof createContactSchema>;

export const updateContactSchema = z
  .object({
    name: nameSchema.optional(),
    tags: tagsSchema.optional(),
    attributes: attributesPatchSchema.optional(),
    opted_out: z.boolean().optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, "Send at least one of: name, tags, attributes, opted_out.");
export type UpdateContactInput = z.infer<typeof updateContactSchema>;

const flag = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");

/** Filters shared by the list and the export. `tag` may repeat: a contact must carry all of them. */
export const contactFilterSchema = z.object({
  q: z.string().trim().max(100, "Search is at most 100 characters.").optional(),
  tag: z
    .union([z.string(), z.array(z.string())])
    .transform((t) => (Array.isArray(t) ? t : [t]).map(cleanTag).filter(Boolean))
    .pipe(z.array(z.string().max(MAX_TAG_LENGTH)).max(MAX_TAGS))
    .optional(),
  opted_out: flag.optional(),
});
export type ContactFilter = z.infer<typeof contactFilterSchema>;

export const listContactsQuerySchema = contactFilterSchema.extend({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type ListContactsQuery = z.infer<typeof listContactsQuerySchema>;

/** Query-string → object, keeping repeated keys (tag=a&tag=b) as arrays. */
export function searchParamsToObject(params: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(params.keys())) {
    const all = params.getAll(key);
    out[key] = all.length > 1 ? all : all[0];
  }
  return out;
}
