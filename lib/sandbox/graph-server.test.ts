import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRecorder } from "../../tests/helpers/messaging";
import { verifyMetaSignature } from "../whatsapp/signature";
import { startSandboxGraphServer, type SandboxGraphServer } from "./graph-server";

let sandbox: SandboxGraphServer;
let recorder: Awaited<ReturnType<typeof startRecorder>>;
beforeAll(async () => {
  recorder = await startRecorder();
  sandbox = await startSandboxGraphServer({ appWebhookUrl: recorder.url, appSecret: "sandbox-secret", statusDelayMs: 10 });
});
afterAll(async () => {
  await sandbox.stop();
  await recorder.close();
});

describe("sandbox Graph API", () => {
  it("delivers a signed inbound text webhook on demand, routed by phone_number_id", async () => {
    const res = await fetch(`${sandbox.url}/__sandbox/inbound`, {
      method: "POST",
      body: JSON.stringify({ phone_number_id: "1000000009", from: "+91 98765 43210", text: "hi", profile_name: "Asha" }),
    });
    expect(res.status).toBe(200);
    const { wamid } = (await res.json()) as { wamid: string };
    const got = recorder.received.find((r) => r.raw.includes(wamid))!;
    expect(verifyMetaSignature(got.raw, got.headers["x-hub-signature-256"] as string, "sandbox-secret")).toBe(true);
    expect(verifyMetaSignature(got.raw, got.headers["x-hub-signature-256"] as string, "another-secret")).toBe(false);
    const value = (got.body as any).entry[0].changes[0].value; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(value.metadata.phone_number_id).toBe("1000000009");
    expect(value.messages[0]).toMatchObject({ from: "919876543210", id: wamid, type: "text", text: { body: "hi" } });
    expect(value.contacts[0].profile.name).toBe("Asha");
  });

  it("refuses tokens it did not issue, and lets tests inspect and count what it received", async () => {
    const bad = await fetch(`${sandbox.url}/v23.0/1000000009/messages`, {
      method: "POST",
      headers: { authorization: "Bearer EAAG-not-a-sandbox-token", "content-type": "application/json" },
      body: JSON.stringify({ messaging_product: "whatsapp", to: "919876500001", type: "text", text: { body: "x" } }),
    });
    expect(bad.status).toBe(401);
    expect(((await bad.json()) as { error: { code: number } }).error.code).toBe(190);
    const ok = await fetch(`${sandbox.url}/v23.0/1000000009/messages`, {
      method: "POST",
      headers: { authorization: "Bearer sbx_ok", "content-type": "application/json" },
      body: JSON.stringify({ messaging_product: "whatsapp", to: "+919876500001", type: "text", text: { body: "x" } }),
    });
    expect(await ok.json()).toMatchObject({ messaging_product: "whatsapp", contacts: [{ input: "+919876500001", wa_id: "919876500001" }], messages: [{ id: expect.stringMatching(/^wamid\./) }] });
    const sent = (await (await fetch(`${sandbox.url}/__sandbox/sent?to=919876500001`)).json()) as { data: unknown[]; total_calls: number };
    expect(sent.data).toHaveLength(1);
    const calls = (await (await fetch(`${sandbox.url}/__sandbox/calls`)).json()) as { calls: Record<string, number> };
    expect(calls.calls).toMatchObject({ messages: 1, unauthorized: 1, inbound: 1 });
    await fetch(`${sandbox.url}/__sandbox/reset`, { method: "POST" });
    expect(sandbox.state.calls).toEqual({});
  });
});
