import http from "node:http";
import type { AddressInfo } from "node:net";
import { sendWebResponse, toWebRequest } from "../../lib/http/node-adapter";

// Route modules type their own params; any route's params object is accepted here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Handler = (req: Request, ctx: { params: Promise<any> }) => Promise<Response> | Response;
export type RouteModule = Partial<Record<"GET" | "POST" | "PUT" | "PATCH" | "DELETE", Handler>>;

/**
 * Serves app/ route handlers over real HTTP on loopback, without a Next.js build, so tests can
 * exercise the exact handler code (and let sandbox servers call back into it) in milliseconds.
 * Patterns use Next's folder syntax: "/api/v1/messages/[id]".
 * Route handlers must therefore read cookies and headers from the Request, not from next/headers.
 */
export async function serveRoutes(routes: Record<string, RouteModule>): Promise<{ url: string; close(): Promise<void> }> {
  const compiled = Object.entries(routes).map(([pattern, mod]) => {
    const names: string[] = [];
    const re = new RegExp(
      "^" +
        pattern.replace(/\[([^\]]+)\]/g, (_, n: string) => {
          names.push(n);
          return "([^/]+)";
        }) +
        "/?$",
    );
    return { re, names, mod };
  });
  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? "/", `http://${req.headers.host}`);
      const route = compiled.find((r) => r.re.test(url.pathname));
      const handler = route?.mod[(req.method ?? "GET") as keyof RouteModule];
      if (!route || !handler) {
        res.writeHead(route ? 405 : 404, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { code: route ? "method_not_allowed" : "not_found", message: "No such route" } }));
        return;
      }
      const m = url.pathname.match(route.re)!;
      const params = Object.fromEntries(route.names.map((n, i) => [n, decodeURIComponent(m[i + 1])]));
      const request = await toWebRequest(req, url);
      await sendWebResponse(res, await handler(request, { params: Promise.resolve(params) }));
    } catch (err) {
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { code: "internal", message: (err as Error).message } }));
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
