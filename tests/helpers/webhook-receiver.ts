import http from "node:http";
import type { AddressInfo } from "node:net";

export interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * A tenant's webhook receiver on a random loopback port. Each path answers as `behave` says:
 * a status code, "hang" (never answers), or a function of the request.
 */
export async function startReceiver(
  behave: (r: Received) => number | "hang" | { status: number; body?: string; headers?: Record<string, string> } = () => 200,
) {
  const received: Received[] = [];
  const sockets = new Set<import("node:net").Socket>();
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const r: Received = { path: req.url ?? "/", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
    received.push(r);
    const b = behave(r);
    if (b === "hang") return;
    const out = typeof b === "number" ? { status: b } : b;
    res.writeHead(out.status, { "content-type": "text/plain", ...out.headers });
    res.end(out.body ?? (out.status < 300 ? "ok" : "nope"));
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((r) => {
        sockets.forEach((s) => s.destroy());
        server.close(() => r());
      }),
  };
}

/** A loopback port with nothing listening (connection refused). */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}
