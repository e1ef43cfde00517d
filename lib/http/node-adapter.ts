import type http from "node:http";
import { ApiError } from "./errors";
import { attachBody } from "./pre-read";

// Node's http request/response <-> the Web Request/Response that route handlers take and return.
// Used where route handlers are served without Next.js's router: the production server's fast lane
// (scripts/web-server.ts) and the tests' route server (tests/helpers/serve-routes.ts).

// A body over the limit is still read (and dropped) up to this much more, so the client, still
// sending, gets the 413 instead of a broken pipe; beyond it the connection is cut.
const DISCARD_BYTES = 8 * 1024 * 1024;

/**
 * Reads the whole body and builds a Web Request for `url` (GET and HEAD carry no body). With
 * `maxBytes`, a larger body is refused (413) without being kept in memory.
 */
export async function toWebRequest(req: http.IncomingMessage, url: URL | string, maxBytes = Infinity): Promise<Request> {
  const tooLarge = () => new ApiError(413, "payload_too_large", `The request body is larger than ${maxBytes} bytes.`);
  if (Number(req.headers["content-length"] ?? 0) > maxBytes + DISCARD_BYTES) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > maxBytes + DISCARD_BYTES) throw tooLarge();
    if (size <= maxBytes) chunks.push(c as Buffer);
  }
  if (size > maxBytes) throw tooLarge();
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (Array.isArray(v)) v.forEach((x) => headers.append(k, x));
    else if (v !== undefined) headers.set(k, v);
  }
  const request = new Request(url, { method: req.method, headers });
  // The bytes go beside the Request, not inside it (lib/http/pre-read.ts); GET and HEAD carry none.
  const bodyless = req.method === "GET" || req.method === "HEAD";
  return bodyless || !chunks.length ? request : attachBody(request, Buffer.concat(chunks));
}

/** Writes a Web Response to `res`, after `baseHeaders` (the response's own headers win); `head`: headers only. */
export async function sendWebResponse(res: http.ServerResponse, response: Response, baseHeaders: Record<string, string> = {}, head = false): Promise<void> {
  const body = Buffer.from(await response.arrayBuffer());
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(baseHeaders)) out[k.toLowerCase()] = v;
  response.headers.forEach((v, k) => {
    if (k !== "set-cookie") out[k] = v;
  });
  // Several Set-Cookie headers must stay separate (they cannot be joined with commas).
  const setCookies = response.headers.getSetCookie();
  if (setCookies.length) out["set-cookie"] = setCookies;
  out["content-length"] = String(body.length);
  res.writeHead(response.status, out);
  res.end(head ? undefined : body);
}
