import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

// Secrets at rest (channel access tokens): AES-256-GCM with a random 96-bit IV per value, the key
// from APP_ENCRYPTION_KEY (32 bytes, base64). Stored as
//   v1.<key id>.<iv>.<ciphertext>.<tag>   (base64url parts)
// "v1" names the format; the key id (first 8 hex chars of SHA-256 of the key) says which key
// sealed it, so a rotation can keep the old key in APP_ENCRYPTION_KEY_PREVIOUS for decryption
// while new values use the new key. An optional context (e.g. "channel:<id>") is bound as
// additional authenticated data: a value copied to another row does not decrypt there.

const VERSION = "v1";
const IV_BYTES = 12;

export class SecretDecryptionError extends Error {}

interface Key {
  id: string;
  bytes: Buffer;
}

function parseKey(b64: string, name: string): Key {
  const bytes = Buffer.from(b64, "base64");
  if (bytes.length !== 32) throw new Error(`${name} must be 32 bytes, base64-encoded (got ${bytes.length} bytes)`);
  return { id: createHash("sha256").update(bytes).digest("hex").slice(0, 8), bytes };
}

const keyCache = new Map<string, Key>();
function keyFrom(b64: string | undefined, name: string): Key | null {
  if (!b64) return null;
  let k = keyCache.get(b64);
  if (!k) {
    k = parseKey(b64, name);
    keyCache.set(b64, k);
  }
  return k;
}

function currentKey(): Key {
  const k = keyFrom(process.env.APP_ENCRYPTION_KEY, "APP_ENCRYPTION_KEY");
  if (!k) throw new Error("APP_ENCRYPTION_KEY is not set (32 bytes, base64)");
  return k;
}

/** Encrypts a secret for storage. `context` must be given again, unchanged, to decrypt. */
export function encryptSecret(plaintext: string, context = "", key: Key = currentKey()): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key.bytes, iv);
  cipher.setAAD(Buffer.from(`${VERSION}|${context}`));
  const ct = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, key.id, iv.toString("base64url"), ct.toString("base64url"), tag.toString("base64url")].join(".");
}

/** Decrypts a value made by encryptSecret; throws SecretDecryptionError when tampered, malformed or sealed with an unknown key. */
export function decryptSecret(sealed: string, context = ""): string {
  const parts = sealed.split(".");
  if (parts.length !== 5 || parts[0] !== VERSION) throw new SecretDecryptionError("Unknown encrypted secret format");
  const [, keyId, ivB64, ctB64, tagB64] = parts;
  const candidates = [
    keyFrom(process.env.APP_ENCRYPTION_KEY, "APP_ENCRYPTION_KEY"),
    keyFrom(process.env.APP_ENCRYPTION_KEY_PREVIOUS, "APP_ENCRYPTION_KEY_PREVIOUS"),
  ];
  const key = candidates.find((k) => k?.id === keyId);
  if (!key) throw new SecretDecryptionError("The secret was encrypted with a key this server does not have");
  const iv = Buffer.from(ivB64, "base64url");
  const tag = Buffer.from(tagB64, "base64url");
  if (iv.length !== IV_BYTES || tag.length !== 16) throw new SecretDecryptionError("Malformed encrypted secret");
  try {
    const decipher = createDecipheriv("aes-256-gcm", key.bytes, iv);
    decipher.setAAD(Buffer.from(`${VERSION}|${context}`));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(ctB64, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    throw new SecretDecryptionError("The encrypted secret failed its integrity check (tampered, or the wrong key or context)");
  }
}

/** The context that binds a channel's access token to its row. */
export const channelTokenContext = (channelId: string) => `channel:${channelId}`;
