import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

// TEMPORARY: the shared lib/crypto/secrets.ts (branch `send`) was not on this branch yet. This is
// the minimum for sealing webhook secrets, in the SAME format and with the same function pair, so
// the lead can replace this file's imports with lib/crypto/secrets and existing rows still open:
//   v1.<key id>.<iv>.<ciphertext>.<tag>   (base64url parts), AES-256-GCM, AAD "v1|<context>",
// key = APP_ENCRYPTION_KEY (32 bytes, base64), key id = first 8 hex chars of SHA-256(key).

const VERSION = "v1";

function key(): { id: string; bytes: Buffer } {
  const b64 = process.env.APP_ENCRYPTION_KEY;
  if (!b64) throw new Error("APP_ENCRYPTION_KEY is not set (32 bytes, base64)");
  const bytes = Buffer.from(b64, "base64");
  if (bytes.length !== 32) throw new Error(`APP_ENCRYPTION_KEY must be 32 bytes, base64-encoded (got ${bytes.length} bytes)`);
  return { id: createHash("sha256").update(bytes).digest("hex").slice(0, 8), bytes };
}

export function encryptSecret(plaintext: string, context = ""): string {
  const k = key();
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", k.bytes, iv);
  cipher.setAAD(Buffer.from(`${VERSION}|${context}`));
  const ct = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [VERSION, k.id, iv.toString("base64url"), ct.toString("base64url"), cipher.getAuthTag().toString("base64url")].join(".");
}

export function decryptSecret(sealed: string, context = ""): string {
  const [version, keyId, iv, ct, tag] = sealed.split(".");
  const k = key();
  if (version !== VERSION || keyId !== k.id || !iv || !ct || !tag) throw new Error("Cannot open this sealed secret");
  const decipher = createDecipheriv("aes-256-gcm", k.bytes, Buffer.from(iv, "base64url"));
  decipher.setAAD(Buffer.from(`${VERSION}|${context}`));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(ct, "base64url")), decipher.final()]).toString("utf8");
}
