import { z } from "zod";
import { logger } from "../log";
import { ApiError, toErrorResponse } from "./errors";

/** toErrorResponse, logging what the client is not told (unexpected failures). */
export function routeError(err: unknown, route: string): Response {
  if (!(err instanceof ApiError) && !(err instanceof z.ZodError)) {
    logger.error({ route, err: (err as Error)?.message }, "route failed");
  }
  return toErrorResponse(err);
}
