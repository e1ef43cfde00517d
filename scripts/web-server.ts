// The production web server: Next.js (`next()` as a custom server) behind a small fast lane.
//
// Two routes take machine traffic at volume, and for them Next.js's request pipeline (router,
// rewrites, web-stream plumbing, header rules) cost several times the route's own work on a small
// machine (npm run bench:webhook prints the floor). The fast lane calls the SAME exported route
// handlers (app/api/...) with a Web Request built from the node request, and adds the same
// security headers next.config.ts adds. It takes only requests the proxy (proxy.ts) does nothing
// for, so nothing is skipped:
//   POST /api/webhook            Meta's signed webhook (outside the proxy's matcher)
//   POST /api/v1/messages        with an Authorization: Bearer header (an API-key call; the
//                                matcher leaves those alone in both auth modes)
// Everything else goes to Next.js. `npm run dev` is plain `next dev` (same handlers, no fast lane).
//
// Usage: tsx scripts/web-server.ts <port>  (run by scripts/launch.ts, or per worker by next-cluster.ts)
import http from "node:http";

// As `next start` does: React, Next.js and the security headers read it when they load.
Object.assign(process.env, { NODE_ENV: "production" });
const { default: next } = await import("next");
const { securityHeaders } = await import("../lib/http/security-headers");
const { sendWebResponse, toWebRequest } = await import("../lib/http/node-adapter");
const { MAX_JSON_BODY_BYTES, toErrorResponse } = await import("../lib/http/errors");
const { META_MAX_BODY_BYTES } = await import("../lib/whatsapp/webhook");
const baseHeaders = Object.fromEntries(securityHeaders.map((h) => [h.key, h.value]));

type RouteHandler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

process.title = "web-server";
const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port < 1) {
  console.error("usage: tsx scripts/web-server.ts <port>");
  process.exit(2);
}

const app = next({ dev: false, dir: process.cwd(), hostname: "localhost", port });
const handle = app.getRequestHandler();

await app.prepare();
// The same route modules Next.js bundles, run from source by tsx; loaded before the first request.
// Each with the body limit its route applies, enforced while reading (the route checks it again).
const lanes = new Map<string, { handler: RouteHandler; maxBytes: number }>([
  ["/api/webhook", { handler: (await import("../app/api/webhook/route")).POST as RouteHandler, maxBytes: META_MAX_BODY_BYTES }],
  ["/api/v1/messages", { handler: (await import("../app/api/v1/messages/route")).POST as RouteHandler, maxBytes: MAX_JSON_BODY_BYTES }],
]);

function laneFor(req: http.IncomingMessage): string | null {
  if (req.method !== "POST" || !req.url) return null;
  const path = req.url.split("?")[0];
  if (path === "/api/webhook") return path;
  if (path === "/api/v1/messages" && /^bearer /i.test(req.headers.authorization ?? "")) return path;
  return null;
}

async function serveLane(path: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const lane = lanes.get(path)!;
  let response: Response;
  try {
    const request = await toWebRequest(req, `http://${req.headers.host ?? `localhost:${port}`}${req.url}`, lane.maxBytes);
    response = await lane.handler(request, { params: Promise.resolve({}) });
  } catch (err) {
    // The body was too large (413) or unreadable: answered like the route answers errors.
    response = toErrorResponse(err);
    res.setHeader("connection", "close");
  }
  await sendWebResponse(res, response, baseHeaders);
}

const server = http.createServer((req, res) => {
  const lane = laneFor(req);
  if (!lane) {
    void handle(req, res);
    return;
  }
  serveLane(lane, req, res).catch((err: unknown) => {
    console.error(`fast lane ${lane} failed: ${(err as Error).message}`);
    if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { code: "internal_error", message: "Internal error; try again." } }));
  });
});
server.keepAliveTimeout = 65_000;
server.listen(port); // all interfaces, IPv4 and IPv6, as `next start` does

const stop = () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 3000).unref();
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
