import http from "node:http";

// Passes a request on to another HTTP server on this machine (a Unix socket) and its answer back,
// streamed both ways. The production front (scripts/web-server.ts) serves the API's machine traffic
// itself and hands everything else — pages, the dashboard's own API, assets — to Next.js this way.

// Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection, not to the message.
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"]);

function endToEnd(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
  return out;
}

export interface ReverseProxy {
  (req: http.IncomingMessage, res: http.ServerResponse): void;
  close(): void;
}

export function reverseProxy(socketPath: string): ReverseProxy {
  // Kept-alive connections to the upstream, closed before it would close them (its keepAliveTimeout
  // must be longer than this timeout: scripts/next-server.ts), so a request never lands on a
  // connection the upstream is closing.
  const agent = new http.Agent({ keepAlive: true, timeout: 30_000 });
  const proxy = ((req, res) => {
    const headers = endToEnd(req.headers);
    // The client's address as this server saw it, appended last: the entry a client cannot forge
    // (lib/auth/rate-limit.ts clientIp reads the last one).
    const peer = req.socket.remoteAddress ?? "";
    const xff = req.headers["x-forwarded-for"];
    headers["x-forwarded-for"] = xff ? `${Array.isArray(xff) ? xff.join(", ") : xff}, ${peer}` : peer;
    headers["x-forwarded-proto"] ??= "http";
    const upstream = http.request({ socketPath, agent, method: req.method, path: req.url, headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.statusMessage, endToEnd(up.headers));
      up.pipe(res);
    });
    upstream.on("error", () => {
      if (!res.headersSent) {
        res.writeHead(502, { "content-type": "application/json", connection: "close" });
        res.end(JSON.stringify({ error: { code: "bad_gateway", message: "The web application is not answering; try again in a moment." } }));
      } else {
        res.destroy();
      }
    });
    // The client went away first (a closed tab, an abandoned stream): stop the upstream request too.
    res.on("close", () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  }) as ReverseProxy;
  proxy.close = () => agent.destroy();
  return proxy;
}
