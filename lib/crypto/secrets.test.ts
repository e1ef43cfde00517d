import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { decryptSecret, encryptSecret, SecretDecryptionError } from "./secrets";

const original = { key: process.env.APP_ENCRYPTION_KEY, prev: process.env.APP_ENCRYPTION_KEY_PREVIOUS };
afterEach(() => {
  process.env.APP_ENCRYPTION_KEY = original.key;
  if (original.prev === undefined) delete process.env.APP_ENCRYPTION_KEY_PREVIOUS;
  else process.env.APP_ENCRYPTION_KEY_PREVIOUS = original.prev;
});

describe("secrets at rest (AES-256-GCM)", () => {
  it("round-trips, with a fresh IV each time, and never contains the plaintext", () => {
    const token = "EAAG-very-secret-token-ü";
    const a = encryptSecret(token, "channel:1");
    const b = encryptSecret(token, "channel:1");
    expect(a).not.toBe(b);
    expect(a.startsWith("v1.")).toBe(true);
    expect(a).not.toContain(token);
    expect(a).not.toContain(Buffer.from(token).toString("base64url"));
    expect(decryptSecret(a, "channel:1")).toBe(token);
    expect(decryptSecret(b, "channel:1")).toBe(token);
  });

  it("detects tampering with the ciphertext, the tag or the IV", () => {
    const sealed = encryptSecret("secret-value", "ctx");
    const parts = sealed.split(".");
    for (const i of [2, 3, 4]) {
      const bytes = Buffer.from(parts[i], "base64url");
      bytes[0] ^= 1;
      const forged = [...parts];
      forged[i] = bytes.toString("base64url");
      expect(() => decryptSecret(forged.join("."), "ctx")).toThrow(SecretDecryptionError);
    }
    expect(() => decryptSecret(sealed.replace(/^v1/, "v9"), "ctx")).toThrow(/format/);
  });

  it("refuses another context (a token copied to another channel row)", () => {
    const sealed = encryptSecret("secret-value", "channel:a");
    expect(() => decryptSecret(sealed, "channel:b")).toThrow(SecretDecryptionError);
  });

  it("refuses the wrong key, and decrypts with the previous key during a rotation", () => {
    const sealed = encryptSecret("secret-value", "ctx");
    const oldKey = process.env.APP_ENCRYPTION_KEY!;
    process.env.APP_ENCRYPTION_KEY = randomBytes(32).toString("base64");
    expect(() => decryptSecret(sealed, "ctx")).toThrow(/key this server does not have/);
    process.env.APP_ENCRYPTION_KEY_PREVIOUS = oldKey;
    expect(decryptSecret(sealed, "ctx")).toBe("secret-value");
    const resealed = encryptSecret("secret-value", "ctx");
    expect(resealed.split(".")[1]).not.toBe(sealed.split(".")[1]);
  });

  it("rejects a key that is not 32 bytes", () => {
    process.env.APP_ENCRYPTION_KEY = Buffer.alloc(16).toString("base64");
    expect(() => encryptSecret("x")).toThrow(/32 bytes/);
  });
});
