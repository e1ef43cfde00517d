import { randomInt } from "node:crypto";
import { z } from "zod";
import { env } from "../config/env";
import { withService } from "../db/tx";
import { ApiError } from "../http/errors";
import { logger } from "../log";
import { GraphApiError, graphClient } from "../whatsapp/graph-client";
import { assertNumberAvailable, graphIdSchema, storeChannel, type Channel } from "./channels";
import { syncAfterConnect } from "../templates/templates";

// Meta Embedded Signup, server side (Tech Provider flow, shared/REFERENCE.md):
//   1. exchange the code for a business token   GET  /oauth/access_token
//   2. subscribe our app to the WABA             POST /{waba_id}/subscribed_apps
//   3. register the number for Cloud API         POST /{phone_number_id}/register
//   4. read the number's display phone and name  GET  /{phone_number_id}
//   5. store the channel (token encrypted)
// Nothing is stored before step 5, so a failing step leaves no half-made channel.

export const embeddedSignupSchema = z.object({
  code: z.string({ error: "code is required (from Embedded Signup)" }).trim().min(1).max(4096),
  waba_id: graphIdSchema("waba_id"),
  phone_number_id: graphIdSchema("phone_number_id"),
  pin: z.string().regex(/^\d{6}$/, "pin must be 6 digits").optional(),
});

const STEPS = {
  exchange_code: { label: "exchange the authorization code", hint: "Codes expire after about 30 seconds: run Embedded Signup again." },
  subscribe_app: { label: "subscribe the app to the WhatsApp Business Account", hint: "Check that the app was granted access to this WABA." },
  register_number: { label: "register the phone number", hint: "If the number has two-step verification, send its 6-digit PIN as pin." },
  fetch_number: { label: "read the phone number's details", hint: "Check that phone_number_id belongs to this WABA." },
} as const;
type Step = keyof typeof STEPS;

async function step<T>(name: Step, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof GraphApiError)) throw err;
    const { label, hint } = STEPS[name];
    const i = err.info;
    const said = i.network ? "Meta could not be reached" : `Meta answered: ${i.title}${i.code !== undefined ? ` (code ${i.code})` : ""}`;
    logger.warn({ step: name, code: i.code, httpStatus: i.httpStatus, fbtraceId: i.fbtraceId }, "embedded signup step failed");
    throw new ApiError(
      i.network || (i.httpStatus ?? 0) >= 500 ? 502 : 422,
      "embedded_signup_failed",
      `Embedded Signup failed at step "${label}": ${said}. ${hint}`,
      { step: name, meta_error: i.network ? null : { code: i.code ?? null, title: i.title, details: i.details ?? null } },
    );
  }
}

export async function completeEmbeddedSignup(args: {
  orgId: string;
  code: string;
  wabaId: string;
  phoneNumberId: string;
  pin?: string;
}): Promise<Channel> {
  const e = env();
  const clientId = e.META_APP_ID ?? (e.WHATSAPP_MODE === "sandbox" ? "sandbox-app" : undefined);
  if (!clientId) throw new ApiError(503, "embedded_signup_not_configured", "Embedded Signup needs META_APP_ID and META_APP_SECRET on the server.");
  // Refuse a number another organization holds before spending the (single-use) code.
  await withService((db) => assertNumberAvailable(db, args.orgId, args.phoneNumberId));

  const graph = graphClient();
  const { accessToken } = await step("exchange_code", () => graph.exchangeCode({ code: args.code, clientId, clientSecret: e.META_APP_SECRET }));
  await step("subscribe_app", () => graph.subscribeApp({ wabaId: args.wabaId, accessToken }));
  // A new number gets a PIN we choose: Meta requires one to register (it becomes the two-step PIN).
  const pin = args.pin ?? String(randomInt(0, 1_000_000)).padStart(6, "0");
  await step("register_number", () => graph.registerNumber({ phoneNumberId: args.phoneNumberId, accessToken, pin }));
  const info = await step("fetch_number", () => graph.getPhoneNumber({ phoneNumberId: args.phoneNumberId, accessToken }));

  const channel = await withService((db) =>
    storeChannel(db, {
      orgId: args.orgId,
      mode: e.WHATSAPP_MODE === "live" ? "live" : "sandbox",
      phoneNumberId: args.phoneNumberId,
      wabaId: args.wabaId,
      displayPhoneNumber: info.displayPhoneNumber,
      verifiedName: info.verifiedName,
      accessToken,
    }),
  );
  // The WABA's existing templates (approved ones can be sent at once); in the background.
  syncAfterConnect(args.orgId, channel.id);
  return channel;
}
