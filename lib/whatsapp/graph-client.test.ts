import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../db/embedded";
import { startSandboxGraphServer, type SandboxGraphServer } from "../sandbox/graph-server";
import { createGraphClient, GraphApiError } from "./graph-client";

let sandbox: SandboxGraphServer;
let hanging: http.Server;
let hangingUrl: string;
beforeAll(async () => {
  sandbox = await startSandboxGraphServer({ appWebhookUrl: null, appSecret: "s" });
  hanging = http.createServer(() => undefined); // accepts, reads, never answers
  await new Promise<void>((r) => hanging.listen(0, "127.0.0.1", r));
  hangingUrl = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await sandbox.stop();
  hanging.closeAllConnections();
  await new Promise((r) => hanging.close(r));
});

async function failure(p: Promise<unknown>): Promise<GraphApiError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GraphApiError);
  return err as GraphApiError;
}

const send = (baseUrl: string, to: string, timeoutMs = 2000) =>
  createGraphClient({ baseUrl, version: "v23.0", timeoutMs }).sendMessage({
    phoneNumberId: "1000000001",
    accessToken: "sbx_token",
    payload: { to, type: "text", text: { body: "hi" } },
  });

describe("Graph API client", () => {
  it("parses Meta's errors into code, HTTP status, title and details, classified by the refund policy", async () => {
    const e190 = await failure(send(sandbox.url, "919876500190"));
    expect(e190.info).toMatchObject({ code: 190, subcode: 463, httpStatus: 401, network: false, outcomeUnknown: false });
    expect(e190.failureClass).toBe("refundable");
    expect(e190.retryable).toBe(false);
    const e429 = await failure(send(sandbox.url, "919876500429"));
    expect(e429.info).toMatchObject({ code: 130429, httpStatus: 429 });
    expect(e429.retryable).toBe(true);
    const e1026 = await failure(send(sandbox.url, "919876501026"));
    expect(e1026.info).toMatchObject({ code: 131026, httpStatus: 400, title: "(#131026) Message Undeliverable." });
    expect(e1026.failureClass).toBe("not_refundable");
    const e500 = await failure(send(sandbox.url, "919876500500"));
    expect(e500.info).toMatchObject({ httpStatus: 500 });
    expect(e500.retryable).toBe(true);
    const ok = await send(sandbox.url, "919876500001");
    expect(ok).toMatchObject({ waId: "919876500001", wamid: expect.stringMatching(/^wamid\./) });
  });

  it("a refused connection is a network error that is safe to retry (nothing reached Meta)", async () => {
    const port = await freePort();
    const err = await failure(send(`http://127.0.0.1:${port}`, "919876500001"));
    expect(err.info).toMatchObject({ network: true, outcomeUnknown: false });
    expect(err.retryable).toBe(true);
    expect(err.failureClass).toBe("refundable");
  });

  it("a timeout after the request was sent is an unknown outcome: never retried", async () => {
    const err = await failure(send(hangingUrl, "919876500001", 300));
    expect(err.info).toMatchObject({ network: true, outcomeUnknown: true });
    expect(err.retryable).toBe(false);
  });

  it("reuses connections (keep-alive) across calls", async () => {
    const before = sandbox.state.calls.messages ?? 0;
    const sockets = new Set<unknown>();
    const probe = http.createServer((req, res) => {
      sockets.add(req.socket);
      req.resume();
      req.on("end", () => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ messages: [{ id: "wamid.x" }], contacts: [{ wa_id: "1" }] }));
      });
    });
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
    const client = createGraphClient({ baseUrl: url, version: "v23.0", timeoutMs: 2000 });
    for (let i = 0; i < 20; i++) await client.sendMessage({ phoneNumberId: "1", accessToken: "t", payload: { to: "1", type: "text" } });
    // Sequential calls alternate over at most two pooled connections, never one per call.
    expect(sockets.size).toBeLessThanOrEqual(2);
    probe.closeAllConnections();
    await new Promise((r) => probe.close(r));
    expect(sandbox.state.calls.messages ?? 0).toBe(before);
  });
});
