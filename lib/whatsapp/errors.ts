// The refund policy, in one place: which failures of a charged send give the fee back.
// Our or Meta's failures are refunded; the recipient's or policy's are not (the platform did
// its work). Codes from Meta's Cloud API error reference (see shared/REFERENCE.md).

export type FailureClass = "refundable" | "not_refundable";

const REFUNDABLE_CODES = new Set<number>([
  0, // AuthException
  3, // capability / permission
  4, // app rate limit
  10, // permission denied
  190, // access token expired or invalid
  200, // permission
  80007, // WABA rate limit
  130429, // throughput exceeded
  131000, // something went wrong (Meta side)
  131016, // service unavailable
  133004, // server temporarily unavailable
]);

const NOT_REFUNDABLE_CODES = new Set<number>([
  100, // invalid parameter (bad request we sent on the tenant's behalf, e.g. bad number format)
  131008, // required parameter missing
  131009, // parameter value invalid
  131021, // recipient cannot be sender
  131026, // undeliverable
  131030, // recipient not in allowed list
  131047, // re-engagement: more than 24 hours since the user's last message
  131048, // spam rate limit
  131049, // per-user marketing limit
  131050, // user stopped marketing messages
  131051, // unsupported message type
  131052, // media download error (tenant's media)
  131053, // media upload error (tenant's media)
  131056, // pair rate limit
  132000, // template parameter count mismatch
  132001, // template does not exist
  132005, // template hydrated text too long
  132007, // template format character policy violated
  132012, // template parameter format mismatch
  132015, // template paused
  132016, // template disabled
  135000, // generic user error
]);

export interface GraphFailure {
  /** Meta's error code; absent for network errors and timeouts. */
  code?: number;
  /** HTTP status of Meta's answer; absent for network errors and timeouts. */
  httpStatus?: number;
  network?: boolean;
}

/**
 * Classifies a failed send. Network errors, timeouts and Meta 5xx are refundable; known
 * recipient/policy codes are not; an unknown code on a 4xx is treated as not refundable only if
 * Meta said so explicitly, otherwise refunded (we do not keep money when unsure).
 */
export function classifyFailure(f: GraphFailure): FailureClass {
  if (f.network) return "refundable";
  if (f.code !== undefined && NOT_REFUNDABLE_CODES.has(f.code)) return "not_refundable";
  if (f.code !== undefined && REFUNDABLE_CODES.has(f.code)) return "refundable";
  if (f.httpStatus !== undefined && f.httpStatus >= 500) return "refundable";
  return "refundable";
}

/** Codes that mean the channel's token no longer works: mark the channel token_expired. */
export function isTokenError(code: number | undefined): boolean {
  return code === 190;
}

/** Codes worth retrying later (throttling, Meta hiccups) rather than failing the message outright. */
export function isRetryable(f: GraphFailure): boolean {
  if (f.network) return true;
  if (f.code === 4 || f.code === 80007 || f.code === 130429 || f.code === 131000 || f.code === 133004) return true;
  return f.httpStatus !== undefined && f.httpStatus >= 500;
}
