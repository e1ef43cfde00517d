import { z } from "zod";
import { ApiError, toErrorResponse } from "@/lib/http/errors";
import { logger } from "@/lib/log";

/**
 * The error answer for a route: ApiError and zod errors become {"error":{code,message,fields}};
 * a 429 carrying retry_after_seconds also gets a Retry-After header; anything else is logged
 * and answered as a plain 500.
 */
export function routeError(err: unknown, route: string): Response {
  if (!(err instanceof ApiError) && !(err instanceof z.ZodError)) {
    logger.error({ err, route }, "route failed");
  }
  const res = toErrorResponse(err);
  if (err instanceof ApiError && typeof err.details.retry_after_seconds === "number") {
    res.headers.set("Retry-After", String(err.details.retry_after_seconds));
  }
  return res;
}
