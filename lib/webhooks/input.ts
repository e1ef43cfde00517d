import { z } from "zod";
import { WEBHOOK_EVENT_TYPES } from "./events";
import { endpointUrlProblem, type UrlPolicy } from "./url-policy";

// What a person may send to the webhook settings routes. The URL rules depend on the policy
// (https only in production; localhost too in sandbox mode), so the schemas are built per call.

function urlField(policy: UrlPolicy) {
  return z
    .string({ error: "Enter the URL of your endpoint" })
    .trim()
    .min(1, "Enter the URL of your endpoint")
    .superRefine((url, ctx) => {
      const problem = endpointUrlProblem(url, policy);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    });
}

const eventsField = z
  .array(
    z.enum(WEBHOOK_EVENT_TYPES, {
      error: (i) => `Unknown event type ${JSON.stringify(i.input)}; use ${WEBHOOK_EVENT_TYPES.join(", ")}`,
    }),
    { error: "Choose at least one event" },
  )
  .min(1, "Choose at least one event")
  .transform((e) => [...new Set(e)]);

const descriptionField = z
  .string()
  .trim()
  .max(200, "At most 200 characters")
  .transform((s) => s || null)
  .nullable();

export function createEndpointSchema(policy: UrlPolicy) {
  return z.object({ url: urlField(policy), events: eventsField, description: descriptionField.optional() }).strict();
}

export function updateEndpointSchema(policy: UrlPolicy) {
  return z
    .object({
      url: urlField(policy).optional(),
      events: eventsField.optional(),
      description: descriptionField.optional(),
      enabled: z.boolean({ error: "enabled must be true or false" }).optional(),
    })
    .strict()
    .refine((p) => Object.values(p).some((v) => v !== undefined), "Send at least one of url, events, description, enabled");
}

export const rotateSecretSchema = z
  .object({
    previous_secret_valid_hours: z
      .number({ error: "A number of hours from 0 to 24" })
      .int("A whole number of hours")
      .min(0, "At least 0 (0 stops the old secret at once)")
      .max(24, "At most 24 hours")
      .default(24),
  })
  .strict();

export const deliveriesQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z
    .string()
    .regex(/^\d{1,18}$/, "cursor is the next_cursor of the previous page")
    .transform(Number)
    .optional(),
  status: z.enum(["pending", "succeeded", "failed", "dead"]).optional(),
});
