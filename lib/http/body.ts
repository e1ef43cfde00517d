import { ApiError } from "./errors";
import { preReadBody } from "./pre-read";

/**
 * Reads a request body into memory, refusing (413) as soon as it passes maxBytes — whether the
 * client declared a Content-Length or streams it chunked — so an oversized upload is never
 * buffered whole.
 */
export async function readBytesLimited(req: Request, maxBytes: number, what = "The request body"): Promise<Uint8Array> {
  const tooLarge = () =>
    new ApiError(413, "payload_too_large", `${what} is larger than ${formatBytes(maxBytes)}.`, { max_bytes: maxBytes });
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > maxBytes) throw tooLarge();
  const pre = preReadBody(req);
  if (pre) {
    if (pre.byteLength > maxBytes) throw tooLarge();
    return pre;
  }
  if (!req.body) return new Uint8Array();
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${+(n / (1024 * 1024)).toFixed(1)} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} bytes`;
}
