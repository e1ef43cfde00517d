// The production web server: a small front that serves the machine traffic itself and hands the
// rest to Next.js (scripts/next-server.ts, a process of its own on a Unix socket).
//
// Two kinds of request come at volume, and for them Next.js cost several times the route's own work
// on a small machine: its request pipeline (router, rewrites, web-stream plumbing, header rules),
// and, since it keeps AsyncLocalStorage contexts, a hook Node 20 runs on every promise of the
// process (npm run bench:send: 760-870 µs of web-server CPU per send with Next.js in the process,
// 470-530 without). The front runs the SAME exported route handlers (app/api/...) with a Web
// Request built from the node request, and adds the same security headers next.config.ts adds. It
// takes only requests the proxy (proxy.ts) does nothing for, so nothing is skipped:
//   POST /api/webhook        Meta's signed webhook (outside the proxy's matcher)
//   /api/v1/...              with an Authorization: Bearer header: the public API called with an
//                            API key (the matcher leaves requests with an Authorization header alone)
// Everything else — pages, assets, the dashboard's own API — is passed to Next.js and streamed back
// (lib/http/reverse-proxy.ts). `npm run dev` is plain `next dev` (same handlers, no front).
//
// Usage: tsx scripts/web-server.ts <port>  (run by scripts/launch.ts, or per worker by
// next-cluster.ts, which then passes the Next.js socket in NEXT_UPSTREAM_SOCKET).
import { readdirSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { startNextUpstream, type NextUpstream } from "./next-upstream";

// As `next start` does: the route modules and the security headers read it when they load.
Object.assign(process.env, { NODE_ENV: "production" });
const { securityHeaders } = await import("../lib/http/security-headers");
const { sendWebResponse, toWebRequest } = await import("../lib/http/node-adapter");
const { ApiError, MAX_JSON_BODY_BYTES, toErrorResponse } = await import("../lib/http/errors");
const { META_MAX_BODY_BYTES } = await import("../lib/whatsapp/webhook");
const { reverseProxy } = await import("../lib/http/reverse-proxy");
const baseHeaders = Object.fromEntries(securityHeaders.map((h) => [h.key, h.value]));

type RouteHandler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;
type RouteModule = Partial<Record<string, RouteHandler>>;

process.title = "web-server";
const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port < 1) {
  console.error("usage: tsx scripts/web-server.ts <port>");
  process.exit(2);
}

// Next.js: the cluster's (one for all fronts), or our own.
let own: NextUpstream | null = null;
const socketPath = process.env.NEXT_UPSTREAM_SOCKET || (own = await startNextUpstream()).socketPath;
let stopping = false;
own?.child.once("exit", (code, signal) => {
  if (stopping) return;
  console.error(`Next.js server exited (${signal ?? `code ${code}`}); stopping.`);
  process.exit(code || 1);
});
const toNext = reverseProxy(socketPath);

// ---- The routes served here: the webhook, and every route under app/api/v1 (loaded before the
// first request; the same modules Next.js bundles, run from source by tsx).
interface Lane {
  pattern: RegExp;
  params: string[];
  /** Dynamic segments: a static route wins over a dynamic one that also matches (as in Next.js). */
  dynamic: number;
  module: RouteModule;
  maxBytes: number;
}

function routeFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? routeFiles(p) : e.name === "route.ts" ? [p] : [];
  });
}

async function lane(file: string, maxBytes: number): Promise<Lane> {
  const segments = path.relative("app", path.dirname(file)).split(path.sep);
  const params: string[] = [];
  const source = segments
    .map((s) => {
      const m = /^\[(\w+)\]$/.exec(s);
      if (!m) return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      params.push(m[1]);
      return "([^/]+)";
    })
    .join("/");
  return { pattern: new RegExp(`^/${source}$`), params, dynamic: params.length, module: (await import(path.resolve(file))) as RouteModule, maxBytes };
}

const webhookLane = await lane("app/api/webhook/route.ts", META_MAX_BODY_BYTES);
const apiLanes = (await Promise.all(routeFiles("app/api/v1").map((f) => lane(f, MAX_JSON_BODY_BYTES)))).sort((a, b) => a.dynamic - b.dynamic);
const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

function laneFor(req: http.IncomingMessage): { lane: Lane; params: Record<string, string> } | null {
  const url = req.url ?? "";
  const pathname = url.split("?")[0];
  if (pathname === "/api/webhook") return req.method === "POST" ? { lane: webhookLane, params: {} } : null;
  if (!pathname.startsWith("/api/v1/") || !/^bearer /i.test(req.headers.authorization ?? "")) return null;
  for (const l of apiLanes) {
    const m = l.pattern.exec(pathname);
    if (!m) continue;
    try {
      return { lane: l, params: Object.fromEntries(l.params.map((p, i) => [p, decodeURIComponent(m[i + 1])])) };
    } catch {
      return null; // a malformed %-escape: Next.js answers it
    }
  }
  return null; // no such API route: Next.js answers its 404
}

/** The handler for the method, as Next.js resolves it: HEAD falls back to GET; OPTIONS and others answered here. */
function methodHandler(module: RouteModule, method: string): RouteHandler | Response {
  const fn = module[method] ?? (method === "HEAD" ? module.GET : undefined);
  if (fn) return fn;
  const allow = METHODS.filter((m) => module[m] || (m === "HEAD" && module.GET) || m === "OPTIONS").join(", ");
  if (method === "OPTIONS") return new Response(null, { status: 204, headers: { allow } });
  const err = toErrorResponse(new ApiError(405, "method_not_allowed", `${method} is not supported here; use ${allow}.`));
  err.headers.set("allow", allow);
  return err;
}

async function serveLane(match: { lane: Lane; params: Record<string, string> }, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  let response: Response;
  try {
    const h = methodHandler(match.lane.module, req.method ?? "GET");
    if (h instanceof Response) {
      response = h;
    } else {
      const request = await toWebRequest(req, `http://${req.headers.host ?? `localhost:${port}`}${req.url}`, match.lane.maxBytes);
      response = await h(request, { params: Promise.resolve(match.params) });
    }
  } catch (err) {
    // The body was too large (413) or unreadable: answered like the route answers errors.
    response = toErrorResponse(err);
    res.setHeader("connection", "close");
  }
  await sendWebResponse(res, response, baseHeaders, req.method === "HEAD");
}

const server = http.createServer((req, res) => {
  const match = laneFor(req);
  if (!match) {
    toNext(req, res);
    return;
  }
  serveLane(match, req, res).catch((err: unknown) => {
    console.error(`fast lane ${req.url?.split("?")[0]} failed: ${(err as Error).message}`);
    if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { code: "internal_error", message: "Internal error; try again." } }));
  });
});
server.keepAliveTimeout = 65_000;
server.listen(port); // all interfaces, IPv4 and IPv6, as `next start` does

const stop = () => {
  stopping = true;
  server.close(async () => {
    await own?.stop();
    process.exit(0);
  });
  server.closeIdleConnections();
  toNext.close();
  setTimeout(() => process.exit(0), 3000).unref();
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
