import { z } from "zod";
import { connectSandboxChannel as connect } from "../../channels/channels";
import { readRuntime } from "../../runtime/local";
import { simulateInbound as simulate } from "../../sandbox/simulate-inbound";
import { CliError, defineCommand, textFlag, uuidFlag } from "../command";
import { requireOrganization } from "./shared";

const digitsFlag = (description: string, what: string) =>
  z
    .string({ error: `${what} is required` })
    .transform((s) => s.replace(/[\s\-()+]/g, ""))
    .pipe(z.string().regex(/^\d{5,20}$/, `${what} must be digits (5 to 20), e.g. 919812345678`))
    .describe(description);

export const connectSandboxChannel = defineCommand({
  name: "connect-sandbox-channel",
  summary: "Connect a sandbox WhatsApp number to an organization (simulated; nothing reaches WhatsApp)",
  flags: z.object({
    org: uuidFlag("The organization's id"),
    displayPhone: textFlag("The number to show, e.g. +91 98765 43210", 32, "phone"),
    phoneNumberId: digitsFlag("Meta's phone number id to use (generated when omitted)", "--phone-number-id").optional(),
  }),
  examples: ['npm run platform -- connect-sandbox-channel --org <uuid> --display-phone "+91 98765 43210" --json'],
  async run(args, ctx) {
    const channel = await ctx.service(async (db) => {
      await requireOrganization(db, args.org);
      return connect({ orgId: args.org, displayPhone: args.displayPhone, phoneNumberId: args.phoneNumberId }, db);
    });
    return {
      json: channel,
      text: [
        `Connected sandbox number ${channel.display_phone_number} (phone_number_id ${channel.phone_number_id})${channel.is_default ? " as the default" : ""}.`,
      ],
    };
  },
});

export const simulateInbound = defineCommand({
  name: "simulate-inbound",
  summary: "Deliver a customer's text to a running app through its real, signed webhook",
  flags: z.object({
    phoneNumberId: digitsFlag("The receiving channel's phone_number_id", "--phone-number-id"),
    from: digitsFlag("The customer's WhatsApp number with country code", "--from"),
    text: textFlag("The message text", 4096, "text"),
    name: textFlag("The customer's profile name", 100, "name").optional(),
  }),
  examples: ['npm run platform -- simulate-inbound --phone-number-id 1012345678901234 --from 919812345678 --text "hi"'],
  async run(args) {
    // The app must be running: the message goes to its /api/webhook like one from Meta.
    const appUrl = process.env.APP_URL ?? readRuntime()?.appUrl;
    const secret = process.env.META_APP_SECRET;
    if (!appUrl || !secret) {
      throw new CliError("app_not_running", "No running app found: start it with `npm run dev` (or set APP_URL and META_APP_SECRET).");
    }
    try {
      const r = await simulate({ appUrl, appSecret: secret, phoneNumberId: args.phoneNumberId, from: args.from, text: args.text, profileName: args.name });
      return { json: { ...r, app_url: appUrl }, text: [`Delivered to ${appUrl}/api/webhook as ${args.from} (${r.wamid}).`] };
    } catch (err) {
      throw new CliError("webhook_failed", (err as Error).message);
    }
  },
});
