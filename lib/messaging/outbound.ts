import { z } from "zod";

// Outbound messages in Meta's Cloud API shape ({type, <type>: {...}}), validated before anything is
// charged. Limits from Meta's documentation (shared/REFERENCE.md): text ≤ 4,096 characters,
// interactive ≤ 3 reply buttons or a list of ≤ 10 rows.

const mediaRef = {
  link: z.string().url("link must be an https URL").max(2048).optional(),
  id: z.string().min(1).max(128).optional(),
};
const caption = z.string().max(1024, "caption must be at most 1,024 characters").optional();
const eitherLinkOrId = (kind: string) => ({
  message: `${kind} needs either a link or a media id (not both)`,
});
const hasOne = (m: { link?: string; id?: string }) => Boolean(m.link) !== Boolean(m.id);
const image = z.object({ ...mediaRef, caption }).refine(hasOne, eitherLinkOrId("image"));
const video = z.object({ ...mediaRef, caption }).refine(hasOne, eitherLinkOrId("video"));
const audio = z.object(mediaRef).refine(hasOne, eitherLinkOrId("audio"));
const document = z.object({ ...mediaRef, caption, filename: z.string().max(240).optional() }).refine(hasOne, eitherLinkOrId("document"));

const textPart = (max: number, what: string) => z.string().trim().min(1, `${what} is required`).max(max, `${what} must be at most ${max} characters`);

const header = z.object({ type: z.literal("text"), text: textPart(60, "header text") }).optional();
const footer = z.object({ text: textPart(60, "footer text") }).optional();
const body = z.object({ text: textPart(1024, "body text") });

const buttons = z.object({
  type: z.literal("button"),
  header,
  body,
  footer,
  action: z.object({
    buttons: z
      .array(z.object({ type: z.literal("reply"), reply: z.object({ id: textPart(256, "button id"), title: textPart(20, "button title") }) }))
      .min(1, "give at least one button")
      .max(3, "at most 3 reply buttons"),
  }),
});

const list = z.object({
  type: z.literal("list"),
  header,
  body,
  footer,
  action: z.object({
    button: textPart(20, "list button"),
    sections: z
      .array(
        z.object({
          title: z.string().max(24).optional(),
          rows: z
            .array(z.object({ id: textPart(200, "row id"), title: textPart(24, "row title"), description: z.string().max(72).optional() }))
            .min(1, "a section needs at least one row"),
        }),
      )
      .min(1, "give at least one section")
      .max(10, "at most 10 sections")
      .refine((s) => s.reduce((n, x) => n + x.rows.length, 0) <= 10, { message: "a list has at most 10 rows in all" }),
  }),
});

const context = z.object({ message_id: z.string().min(1).max(256) }).optional();

export const outboundMessageSchema = z.discriminatedUnion(
  "type",
  [
    z.object({
      type: z.literal("text"),
      text: z.object({ body: textPart(4096, "text.body"), preview_url: z.boolean().optional() }),
      context,
    }),
    z.object({
      type: z.literal("template"),
      template: z.object({
        name: z.string().regex(/^[a-z0-9_]{1,512}$/, "template name: lowercase letters, digits and underscores"),
        language: z.object({ code: z.string().regex(/^[a-z]{2,3}(_[A-Za-z]{2,4})?$/, "language code like en or en_US"), policy: z.literal("deterministic").optional() }),
        components: z.array(z.record(z.string(), z.unknown())).max(20).optional(),
      }),
      context,
    }),
    z.object({ type: z.literal("image"), image, context }),
    z.object({ type: z.literal("document"), document, context }),
    z.object({ type: z.literal("audio"), audio, context }),
    z.object({ type: z.literal("video"), video, context }),
    z.object({ type: z.literal("interactive"), interactive: z.discriminatedUnion("type", [buttons, list]), context }),
  ],
  { error: () => "type must be one of text, template, image, document, audio, video, interactive" },
);

/** A message to send, in Meta's shape without `to` (e.g. {type:"text", text:{body:"Hi"}}). */
export type OutboundMessage = z.infer<typeof outboundMessageSchema>;
export type OutboundMessageType = OutboundMessage["type"];

/** The readable text of a message, for lists and the inbox (body, caption or interactive body). */
export function messagePreviewText(m: OutboundMessage): string | null {
  switch (m.type) {
    case "text":
      return m.text.body;
    case "template":
      return null;
    case "image":
      return m.image.caption ?? null;
    case "document":
      return m.document.caption ?? m.document.filename ?? null;
    case "video":
      return m.video.caption ?? null;
    case "audio":
      return null;
    case "interactive":
      return m.interactive.body.text;
  }
}

/** The request body of POST /api/v1/messages: Meta's send body plus an optional channel_id. */
export const sendRequestSchema = z
  .object({
    to: z.string({ error: "to is required (E.164, e.g. +919876543210)" }).min(1).max(32),
    channel_id: z.string().uuid("channel_id must be a channel id (uuid)").optional(),
    messaging_product: z.literal("whatsapp").optional(),
    recipient_type: z.literal("individual").optional(),
  })
  .passthrough();

export function parseSendRequest(input: unknown): { to: string; channelId?: string; message: OutboundMessage } {
  const envelope = sendRequestSchema.parse(input);
  const message = outboundMessageSchema.parse(input);
  return { to: envelope.to, channelId: envelope.channel_id, message };
}

/** The seed's simple body: {phone, message} (+ channel_id; org_id is checked against the caller). */
export const simpleSendSchema = z.object({
  phone: z.string({ error: "phone is required" }).min(1).max(32),
  message: textPart(4096, "message"),
  channel_id: z.string().uuid("channel_id must be a channel id (uuid)").optional(),
  org_id: z.string().optional(),
});
