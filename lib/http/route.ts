import { logger } from "../log";
import { toErrorResponse } from "./errors";

type Ctx<P> = { params: Promise<P> };

/**
 * Wraps a route handler: any thrown ApiError or zod error becomes the API's JSON error; anything
 * else is logged (without the request body) and answered as a plain 500.
 */
export function handler<P = Record<string, string>>(fn: (req: Request, ctx: Ctx<P>) => Promise<Response>) {
  return async (req: Request, ctx: Ctx<P>): Promise<Response> => {
    try {
      return await fn(req, ctx);
    } catch (err) {
      const res = toErrorResponse(err);
      if (res.status >= 500) {
        logger.error({ err: (err as Error).message, stack: (err as Error).stack, path: new URL(req.url).pathname }, "route failed");
      }
      return res;
    }
  };
}
