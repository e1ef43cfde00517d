import { z } from "zod";
import { preReadBody } from "./pre-read";

/**
 * The one error shape every API answers with: {"error": {"code", "message", ...details}}.
 * Services throw ApiError; routes turn it (and zod errors) into a response with handleRoute.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function errorResponse(status: number, code: string, message: string, details: Record<string, unknown> = {}) {
  return Response.json({ error: { code, message, ...details } }, { status });
}

/** Turns a zod error into a message a person can act on: "to: Invalid phone number; text.body: Required". */
export function describeZodError(err: z.ZodError): string {
  return err.issues
    .map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message))
    .join("; ");
}

export function toErrorResponse(err: unknown): Response {
  if (err instanceof ApiError) {
    const res = errorResponse(err.status, err.code, err.message, err.details);
    // A 429 (login throttling, API rate limit) says when to come back.
    if (typeof err.details.retry_after_seconds === "number") res.headers.set("Retry-After", String(err.details.retry_after_seconds));
    return res;
  }
  if (err instanceof z.ZodError) {
    return errorResponse(400, "invalid_request", describeZodError(err), {
      fields: err.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
    });
  }
  // Unknown failures are logged by the caller's logger; the client gets no internals.
  return errorResponse(500, "internal_error", "Something went wrong on our side. Please try again.");
}

/** Maximum JSON body we accept on API routes (Meta webhooks get their own, larger limit). */
export const MAX_JSON_BODY_BYTES = 256 * 1024;

/** Reads and parses a JSON body with a size limit; malformed or oversized bodies become 4xx ApiErrors. */
export async function readJson(req: Request, maxBytes = MAX_JSON_BODY_BYTES): Promise<unknown> {
  const text = await readText(req, maxBytes);
  if (!text.trim()) throw new ApiError(400, "invalid_json", "The request body is empty; send a JSON object.");
  try {
    return parseJsonForStorage(text);
  } catch {
    throw new ApiError(400, "invalid_json", "The request body is not valid JSON.");
  }
}

/**
 * JSON.parse for anything that may reach Postgres: text and jsonb cannot hold U+0000, so it is
 * replaced by U+FFFD in every string and key (only walked when the text escapes one). Throws
 * SyntaxError like JSON.parse.
 */
export function parseJsonForStorage(text: string): unknown {
  const value: unknown = JSON.parse(text);
  return text.includes("\\u0000") ? withoutNul(value) : value;
}

function withoutNul(v: unknown): unknown {
  if (typeof v === "string") return v.replaceAll("\u0000", "\uFFFD");
  if (Array.isArray(v)) return v.map(withoutNul);
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k.replaceAll("\u0000", "\uFFFD"), withoutNul(x)]));
  }
  return v;
}

/** Reads the raw body (needed for signature checks) with a size limit. */
export async function readText(req: Request, maxBytes: number): Promise<string> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > maxBytes) {
    throw new ApiError(413, "payload_too_large", `The request body is larger than ${maxBytes} bytes.`);
  }
  const buf = preReadBody(req) ?? (await req.arrayBuffer());
  if (buf.byteLength > maxBytes) {
    throw new ApiError(413, "payload_too_large", `The request body is larger than ${maxBytes} bytes.`);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(buf);
  } catch {
    throw new ApiError(400, "invalid_encoding", "The request body is not valid UTF-8.");
  }
}
