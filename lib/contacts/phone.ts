import { parsePhoneNumberFromString, validatePhoneNumberLength, type CountryCode } from "libphonenumber-js/max";

// One place that turns what people type or paste into the number WhatsApp knows. The send
// pipeline, the webhook, imports and the API all go through normalizePhone so that
// "098765 43210", "+91 98765-43210" and "919876543210" become the same contact.
//
// The "max" metadata validates against each country's full numbering plan, not just length:
// this runs on the server, where its size does not matter.

export type NormalizedPhone = { ok: true; e164: string; waId: string; country: CountryCode | undefined };
export type PhoneError = { ok: false; code: PhoneErrorCode; reason: string };
export type PhoneErrorCode = "empty" | "invalid_characters" | "scientific_notation" | "extension" | "too_short" | "too_long" | "invalid";

/** Longest input we look at; the longest E.164 number is 15 digits plus formatting. */
const MAX_INPUT = 40;
const ALLOWED = /^\+?[0-9\s\-.()/\u00a0]+$/;

/**
 * Normalizes a phone number to E.164 and WhatsApp's wa_id (the E.164 digits without '+').
 * Numbers without a country code are read in `defaultCountry` (India unless told otherwise);
 * a national trunk '0' and the '00' international prefix are understood, and bare digits that
 * start with a country code ("919876543210", "14155552671") are accepted as international.
 * The reason on failure is a sentence a person can act on.
 */
export function normalizePhone(input: unknown, defaultCountry: CountryCode = "IN"): NormalizedPhone | PhoneError {
  const raw = typeof input === "number" ? String(input) : typeof input === "string" ? input : "";
  const text = raw.replace(/[\u200e\u200f\u202a-\u202e]/g, "").trim();
  const shown = text.length > MAX_INPUT ? `${text.slice(0, MAX_INPUT)}…` : text;
  if (!text) return fail("empty", "The phone number is empty.");
  if (/^\d(\.\d+)?e\+?\d+$/i.test(text)) {
    return fail(
      "scientific_notation",
      `'${shown}' looks like a number a spreadsheet turned into scientific notation; format the phone column as text and export again.`,
    );
  }
  if (text.length > MAX_INPUT) return fail("too_long", `'${shown}' is too long to be a phone number.`);
  if (/(ext|x|#)\s*\.?\s*\d+$/i.test(text)) return fail("extension", `'${shown}' has an extension; WhatsApp numbers have none.`);
  if (!ALLOWED.test(text)) {
    return fail("invalid_characters", `'${shown}' contains characters that are not part of a phone number.`);
  }
  const digits = text.replace(/\D/g, "");
  const hasPlus = text.startsWith("+");

  const candidates = [parsePhoneNumberFromString(text, defaultCountry)];
  // Digits with a country code but no '+' (how wa_ids and many exports look).
  if (!hasPlus && digits.length >= 8 && !digits.startsWith("0")) candidates.push(parsePhoneNumberFromString(`+${digits}`));
  const valid = candidates.find((p) => p?.isValid());
  if (valid) {
    return { ok: true, e164: valid.number, waId: valid.number.slice(1), country: valid.country };
  }
  const length = validatePhoneNumberLength(text, defaultCountry);
  if (length === "TOO_SHORT" || digits.length < 6) return fail("too_short", `'${shown}' is not a valid phone number (too few digits).`);
  if (length === "TOO_LONG" && !candidates[1]) return fail("too_long", `'${shown}' is not a valid phone number (too many digits).`);
  return fail("invalid", `'${shown}' is not a valid phone number.`);
}

function fail(code: PhoneErrorCode, reason: string): PhoneError {
  return { ok: false, code, reason };
}

/** A wa_id as Meta sends it: the E.164 digits without '+'. Use normalizePhone for anything people type. */
export function isWaId(value: string): boolean {
  return /^[1-9][0-9]{6,14}$/.test(value);
}
