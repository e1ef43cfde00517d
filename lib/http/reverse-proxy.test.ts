import { rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reverseProxy, type ReverseProxy } from "./reverse-proxy";

// A real upstream on a Unix socket (as Next.js runs behind the front) and a real front passing to it.
const socketPath = path.join(tmpdir(), `rp-test-${process.pid}.sock`);
let upstream: http.Server;
let front: http.Server;
let proxy: ReverseProxy;
let url: string;
let release: (() => void) | null = null;

beforeAll(async () => {
  upstream = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (req.url === "/stream") {
      // Sends a first chunk, then waits for the test to release the second.
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("first;");
      release = () => res.end("second");
      return;
    }
    res.setHeader("set-cookie", ["a=1; Path=/", "b=2; Path=/"]);
    res.setHeader("x-upstream", "yes");
    res.setHeader("connection", "keep-alive");
    res.writeHead(req.url === "/missing" ? 404 : 201, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        method: req.method,
        url: req.url,
        body: Buffer.concat(chunks).toString(),
        host: req.headers.host,
        xff: req.headers["x-forwarded-for"],
        proto: req.headers["x-forwarded-proto"],
        upgrade: req.headers.upgrade ?? null,
        custom: req.headers["x-custom"],
      }),
    );
  });
  rmSync(socketPath, { force: true });
  await new Promise<void>((r) => upstream.listen(socketPath, r));
  proxy = reverseProxy(socketPath);
  front = http.createServer((req, res) => proxy(req, res));
  await new Promise<void>((r) => front.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
});
afterAll(async () => {
  proxy.close();
  await new Promise<void>((r) => front.close(() => r()));
  await new Promise<void>((r) => upstream.close(() => r()));
  rmSync(socketPath, { force: true });
});

describe("reverse proxy to a Unix socket", () => {
  it("passes method, path, query, body and end-to-end headers, and appends the client's address to X-Forwarded-For", async () => {
    // node:http rather than fetch: fetch refuses to send hop-by-hop headers such as Upgrade.
    const res = await new Promise<{ status: number; json: () => Promise<Record<string, unknown>> }>((resolve, reject) => {
      const r = http.request(`${url}/api/thing?x=1&y=2`, {
        method: "PATCH",
        headers: { "x-custom": "kept", "x-forwarded-for": "203.0.113.9", upgrade: "websocket", connection: "upgrade", host: "app.example" },
      }, (m) => {
        let text = "";
        m.on("data", (c) => (text += c));
        m.on("end", () => resolve({ status: m.statusCode!, json: async () => JSON.parse(text) }));
      });
      r.on("error", reject);
      r.end("hello");
    });
    expect(res.status).toBe(201);
    const seen = await res.json();
    expect(seen).toMatchObject({ method: "PATCH", url: "/api/thing?x=1&y=2", body: "hello", host: "app.example", custom: "kept", proto: "http", upgrade: null });
    // What the client claimed stays first; the address the front saw is last (the one clientIp trusts).
    expect(seen.xff).toBe("203.0.113.9, 127.0.0.1");
  });

  it("passes status and headers back, both Set-Cookie headers separate, hop-by-hop ones dropped", async () => {
    const res = await fetch(`${url}/missing`);
    expect(res.status).toBe(404);
    expect(res.headers.get("x-upstream")).toBe("yes");
    expect(res.headers.getSetCookie()).toEqual(["a=1; Path=/", "b=2; Path=/"]);
    expect((await res.json()).xff).toBe("127.0.0.1");
  });

  it("streams the answer as it comes, not once it is complete", async () => {
    const res = await fetch(`${url}/stream`);
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe("first;");
    expect(release).not.toBeNull();
    release!();
    let rest = "";
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest += new TextDecoder().decode(r.value);
    expect(rest).toBe("second");
  });

  it("answers 502 with a JSON error when nothing listens upstream", async () => {
    const dead = reverseProxy(path.join(tmpdir(), `rp-test-none-${process.pid}.sock`));
    const server = http.createServer((req, res) => dead(req, res));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      expect(res.status).toBe(502);
      expect((await res.json()).error.code).toBe("bad_gateway");
    } finally {
      dead.close();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
