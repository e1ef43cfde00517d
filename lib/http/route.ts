import { z } from "zod";
import { withRateLimitHeaders } from "../apikeys/rate-limit";
import { logger } from "../log";
import { ApiError, toErrorResponse } from "./errors";

type Ctx<P> = { params: Promise<P> };

/**
 * The error answer for a route: ApiError and zod errors become {"error":{code,message,...}}; a 429
 * carrying retry_after_seconds also gets a Retry-After header (toErrorResponse); anything else is
 * logged (without the request body) and answered as a plain 500.
 */
export function routeError(err: unknown, route: string): Response {
  if (!(err instanceof ApiError) && !(err instanceof z.ZodError)) {
    logger.error({ err: (err as Error)?.message, stack: (err as Error)?.stack, route }, "route failed");
  }
  return toErrorResponse(err);
}

/**
 * Wraps a route handler so every failure becomes the API's JSON error (see routeError), and an
 * API-key request's answer carries the key's X-RateLimit-* headers (lib/apikeys/rate-limit.ts).
 */
export function handler<P = Record<string, string>>(fn: (req: Request, ctx: Ctx<P>) => Promise<Response>) {
  return async (req: Request, ctx: Ctx<P>): Promise<Response> => {
    try {
      return withRateLimitHeaders(req, await fn(req, ctx));
    } catch (err) {
      return withRateLimitHeaders(req, routeError(err, new URL(req.url).pathname));
    }
  };
}
