import { randomBytes } from "node:crypto";
import { z } from "zod";
import { env, sandboxEnabled } from "../config/env";
import { withTenant, type JwtClaims } from "../db/tx";
import { ApiError } from "../http/errors";
import { signMetaPayload } from "../whatsapp/signature";
import { inboundTextPayload } from "../whatsapp/webhook-payloads";

// A customer writing to a sandbox number, delivered the way Meta would: a payload in Meta's shape,
// signed with the app secret, POSTed to our own /api/webhook. Nothing is written directly, so the
// message goes through the same signature check, storage, consent handling and auto-replies.

export interface SimulateInboundInput {
  appUrl: string;
  appSecret: string;
  phoneNumberId: string;
  /** The customer's WhatsApp id (digits, with country code). */
  from: string;
  text: string;
  profileName?: string;
  displayPhoneNumber?: string;
}

export interface SimulateInboundResult {
  wamid: string;
  /** The webhook's HTTP status (200 when stored). */
  status: number;
}

export async function simulateInbound(input: SimulateInboundInput): Promise<SimulateInboundResult> {
  const wamid = `wamid.${randomBytes(24).toString("base64url")}`;
  const payload = inboundTextPayload(
    { phoneNumberId: input.phoneNumberId, displayPhoneNumber: input.displayPhoneNumber ?? input.phoneNumberId },
    { from: input.from, wamid, text: input.text, profileName: input.profileName },
  );
  const body = JSON.stringify(payload);
  const res = await fetch(new URL("/api/webhook", input.appUrl), {
    method: "POST",
    headers: { "content-type": "application/json", "x-hub-signature-256": signMetaPayload(body, input.appSecret) },
    body,
    signal: AbortSignal.timeout(15_000),
  });
  if (!res.ok) {
    const detail = (await res.text().catch(() => "")).slice(0, 300);
    throw new Error(`The webhook at ${input.appUrl} answered ${res.status}${detail ? `: ${detail}` : ""}`);
  }
  return { wamid, status: res.status };
}

export const simulateInboundRequestSchema = z.strictObject({
  channel_id: z.uuid("channel_id must be a channel id"),
  from: z
    .string()
    .transform((s) => s.replace(/[\s\-()]/g, "").replace(/^\+/, ""))
    .pipe(z.string().regex(/^[1-9]\d{6,14}$/, "from must be a phone number with country code, e.g. 919812345678")),
  text: z.string().trim().min(1, "Text is required").max(4096, "Text must be at most 4,096 characters"),
  profile_name: z.string().trim().min(1).max(100).optional(),
});

/**
 * The dashboard form: simulate a customer writing to one of the caller's sandbox channels.
 * 404 when sandbox features are off, or the channel is not the caller's organization's.
 */
export async function simulateInboundOnChannel(
  caller: { claims: JwtClaims; orgId: string },
  input: unknown,
): Promise<SimulateInboundResult & { channel_id: string }> {
  if (!sandboxEnabled()) throw new ApiError(404, "not_found", "Not found.");
  const v = simulateInboundRequestSchema.parse(input);
  const channel = await withTenant(caller.claims, async (db) => {
    const { rows } = await db.query<{ phone_number_id: string; display_phone_number: string; mode: string }>(
      "select phone_number_id, display_phone_number, mode from public.channels where id = $1 and org_id = $2",
      [v.channel_id, caller.orgId],
    );
    return rows[0];
  });
  if (!channel) throw new ApiError(404, "channel_not_found", "No channel with this id in your organization.");
  if (channel.mode !== "sandbox") {
    // A live channel would answer with real WhatsApp messages, charged, to a made-up customer.
    throw new ApiError(409, "channel_not_sandbox", "Inbound messages can be simulated only on sandbox channels.");
  }
  const e = env();
  const result = await simulateInbound({
    appUrl: e.APP_URL,
    appSecret: e.META_APP_SECRET,
    phoneNumberId: channel.phone_number_id,
    displayPhoneNumber: channel.display_phone_number,
    from: v.from,
    text: v.text,
    profileName: v.profile_name,
  });
  return { ...result, channel_id: v.channel_id };
}
