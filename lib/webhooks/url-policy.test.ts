import { describe, expect, it } from "vitest";
import { classifyAddress, endpointUrlProblem, resolveDeliveryTarget, type Resolver } from "./url-policy";

const production = { allowLoopback: false };
const sandbox = { allowLoopback: true };

describe("webhook URL policy (SSRF)", () => {
  it("classifies addresses: public, loopback, and every private or reserved range", () => {
    for (const a of ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "64:ff9b::808:808"]) expect([a, classifyAddress(a)]).toEqual([a, "public"]);
    for (const a of ["127.0.0.1", "127.9.9.9", "::1", "::ffff:127.0.0.1"]) expect([a, classifyAddress(a)]).toEqual([a, "loopback"]);
    for (const a of [
      "10.1.2.3",
      "172.16.0.1",
      "172.31.255.255",
      "192.168.1.1",
      "169.254.169.254", // cloud metadata
      "100.64.0.1",
      "0.0.0.0",
      "224.0.0.1",
      "255.255.255.255",
      "fc00::1",
      "fd12:3456::1",
      "fe80::1",
      "::",
      "::ffff:10.0.0.1",
      "::ffff:169.254.169.254",
      "64:ff9b::a00:1", // NAT64 of 10.0.0.1
      "2002:a00:1::1", // 6to4 of 10.0.0.1
      "not-an-ip",
    ]) {
      expect([a, classifyAddress(a)]).toEqual([a, "private"]);
    }
  });

  it("production accepts public https URLs only", () => {
    expect(endpointUrlProblem("https://hooks.example.com/wa", production)).toBeNull();
    expect(endpointUrlProblem("https://hooks.example.com:8443/wa?x=1", production)).toBeNull();
    expect(endpointUrlProblem("http://hooks.example.com/wa", production)).toMatch(/https:\/\//);
    expect(endpointUrlProblem("ftp://hooks.example.com/wa", production)).toMatch(/https:\/\//);
    expect(endpointUrlProblem("hooks.example.com", production)).toMatch(/full URL/);
    expect(endpointUrlProblem("https://user:pw@hooks.example.com/", production)).toMatch(/user name or password/);
    expect(endpointUrlProblem("https://localhost/wa", production)).toMatch(/localhost/);
    expect(endpointUrlProblem("http://127.0.0.1:3000/wa", production)).toMatch(/localhost/);
    expect(endpointUrlProblem("https://[::1]/wa", production)).toMatch(/localhost/);
    expect(endpointUrlProblem("https://169.254.169.254/latest/meta-data", production)).toMatch(/private/);
    expect(endpointUrlProblem("https://10.0.0.5/wa", production)).toMatch(/private/);
    expect(endpointUrlProblem("https://[fd00::5]/wa", production)).toMatch(/private/);
    expect(endpointUrlProblem("https://db.internal/wa", production)).toMatch(/public host name/);
    expect(endpointUrlProblem("https://intranet/wa", production)).toMatch(/public host name/);
    // Alternative spellings of loopback are normalised by the URL parser and still refused.
    expect(endpointUrlProblem("https://2130706433/wa", production)).toMatch(/localhost/);
    expect(endpointUrlProblem("https://0x7f.1/wa", production)).toMatch(/localhost/);
  });

  it("sandbox also accepts http and https to loopback, but still no other private range and no public http", () => {
    expect(endpointUrlProblem("http://localhost:4000/hook", sandbox)).toBeNull();
    expect(endpointUrlProblem("http://127.0.0.1:4000/hook", sandbox)).toBeNull();
    expect(endpointUrlProblem("https://[::1]:4000/hook", sandbox)).toBeNull();
    expect(endpointUrlProblem("http://10.0.0.5/hook", sandbox)).toMatch(/https:\/\//);
    expect(endpointUrlProblem("https://10.0.0.5/hook", sandbox)).toMatch(/private/);
    expect(endpointUrlProblem("http://hooks.example.com/hook", sandbox)).toMatch(/only for localhost/);
  });

  it("at delivery, refuses a name that resolves to any private or loopback address (DNS is checked, not just the name)", async () => {
    const dns: Record<string, string[]> = {
      "public.example.com": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
      "metadata.example.com": ["169.254.169.254"],
      "mixed.example.com": ["93.184.215.14", "10.0.0.7"],
      "loop.example.com": ["127.0.0.1"],
      "mapped.example.com": ["::ffff:192.168.0.1"],
      "empty.example.com": [],
    };
    const resolve: Resolver = async (h) => (dns[h] ?? []).map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
    await expect(resolveDeliveryTarget("https://public.example.com/x", production, resolve)).resolves.toMatchObject({
      address: "93.184.215.14",
      family: 4,
    });
    await expect(resolveDeliveryTarget("https://metadata.example.com/x", production, resolve)).rejects.toThrow(/169\.254\.169\.254/);
    await expect(resolveDeliveryTarget("https://mixed.example.com/x", production, resolve)).rejects.toThrow(/10\.0\.0\.7/);
    await expect(resolveDeliveryTarget("https://loop.example.com/x", production, resolve)).rejects.toThrow(/loopback/);
    await expect(resolveDeliveryTarget("https://mapped.example.com/x", production, resolve)).rejects.toThrow(/private/);
    await expect(resolveDeliveryTarget("https://empty.example.com/x", production, resolve)).rejects.toThrow(/did not resolve/);
    // Sandbox lets a name resolving to loopback through (a developer's receiver), never a private one.
    await expect(resolveDeliveryTarget("https://loop.example.com/x", sandbox, resolve)).resolves.toMatchObject({ address: "127.0.0.1" });
    await expect(resolveDeliveryTarget("https://metadata.example.com/x", sandbox, resolve)).rejects.toThrow(/private/);
  });

  it("uses the system resolver by default: localhost is refused in production after a real lookup", async () => {
    await expect(resolveDeliveryTarget("https://localhost/x", production)).rejects.toThrow(/localhost/);
    await expect(resolveDeliveryTarget("http://localhost:9/x", sandbox)).resolves.toMatchObject({ address: expect.stringMatching(/^(127\.|::1)/) });
  });
});
