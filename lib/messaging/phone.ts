import { parsePhoneNumberFromString } from "libphonenumber-js";

export interface Recipient {
  /** +919876543210 */
  e164: string;
  /** 919876543210 — WhatsApp's id for the number (digits only), as stored in contacts.wa_id. */
  waId: string;
}

/**
 * Normalises a recipient to E.164. The country code is required ("+91 98765 43210", or the digits
 * WhatsApp uses as wa_id, "919876543210"); a local number without it is ambiguous and rejected.
 */
export function normalizeRecipient(input: string): Recipient | null {
  const trimmed = input.trim();
  if (!/^\+?[\d\s().-]{6,24}$/.test(trimmed)) return null;
  const digits = trimmed.replace(/\D/g, "").replace(/^00/, "");
  const parsed = parsePhoneNumberFromString(`+${digits}`);
  if (!parsed || !parsed.isValid()) return null;
  return { e164: parsed.number, waId: parsed.number.slice(1) };
}

export const recipientHint = "Use the international format with the country code, e.g. +919876543210.";
