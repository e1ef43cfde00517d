import { closePools } from "../../lib/db/pool";
import { api as apiCall, startLoop, type Stack } from "./messaging";
import type { RouteModule } from "./serve-routes";

/**
 * The templates test stack: startLoop (the messaging routes, Meta's webhook route and the sandbox
 * Graph API posting its signed webhooks back) plus the given template routes, with template
 * reviews after 30 ms.
 */
export async function startTemplatesStack(routes: Record<string, RouteModule>) {
  const loop = await startLoop({ routes, templateReviewMs: 30 });
  return {
    graph: loop.graph,
    api: (path: string, opts: Parameters<typeof apiCall>[2] = {}) => apiCall({ app: loop.app } as Stack, path, opts),
    close: async () => {
      await loop.close();
      await closePools();
    },
  };
}

/** Polls `fn` every 25 ms (up to 5 s) until `ok`; returns the last value either way. */
export async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  let v = await fn();
  for (let i = 0; i < 200 && !ok(v); i++) {
    await new Promise((r) => setTimeout(r, 25));
    v = await fn();
  }
  return v;
}
