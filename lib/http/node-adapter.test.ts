import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readText, toErrorResponse } from "./errors";
import { sendWebResponse, toWebRequest } from "./node-adapter";

// A real HTTP server that echoes what the Web Request carried, with a 1 KiB body limit.
let server: http.Server;
let url: string;
beforeAll(async () => {
  server = http.createServer(async (req, res) => {
    try {
      const request = await toWebRequest(req, `http://localhost${req.url}`, 1024);
      // The body travels beside the Request (lib/http/pre-read.ts), read by the routes' own helpers.
      const body = await readText(request, 1024);
      if (request.method === "POST" && request.body !== null) throw new Error("the Request should carry no body stream");
      const reply = Response.json({ method: request.method, length: body.length, header: request.headers.get("x-test") }, { status: 201 });
      reply.headers.append("set-cookie", "a=1; Path=/");
      reply.headers.append("set-cookie", "b=2; Path=/");
      await sendWebResponse(res, reply, { "x-frame-options": "DENY", "x-test-base": "base" });
    } catch (err) {
      res.setHeader("connection", "close");
      await sendWebResponse(res, toErrorResponse(err));
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("node request/response <-> Web Request/Response", () => {
  it("carries method, headers and body in, and status, headers (both cookies) and body out, after the base headers", async () => {
    const res = await fetch(`${url}/x`, { method: "POST", headers: { "x-test": "yes" }, body: "a".repeat(1000) });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ method: "POST", length: 1000, header: "yes" });
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(res.headers.getSetCookie()).toEqual(["a=1; Path=/", "b=2; Path=/"]);
  });

  it("refuses a body over the limit with 413, whether declared or streamed without a length", async () => {
    const declared = await fetch(`${url}/x`, { method: "POST", body: "a".repeat(1025) });
    expect(declared.status).toBe(413);
    expect((await declared.json()).error.code).toBe("payload_too_large");
    // Chunked: no content-length, so the limit is found while reading.
    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(`${url}/x`, { method: "POST", headers: { "transfer-encoding": "chunked" } }, (res) => {
        let body = "";
        res.on("data", (c) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode!, body }));
      });
      req.on("error", reject);
      for (let i = 0; i < 4; i++) req.write("b".repeat(512));
      req.end();
    });
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body).error.code).toBe("payload_too_large");
  });
});
