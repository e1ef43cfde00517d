import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";

// One POST to a tenant's endpoint, on the address url-policy already checked: the connection is
// pinned to it (our own lookup answers with that address), so a second DNS answer cannot point
// the request somewhere else. No redirects are followed (node:http never does), the whole attempt
// has a deadline, and at most maxResponseBytes of the answer are read.

export interface PostResult {
  /** The HTTP status, when an answer arrived. */
  statusCode: number | null;
  /** The start of the answer's body (for the delivery log). */
  body: string;
  /** Why no answer arrived (timeout, refused, TLS, ...). */
  error: string | null;
}

export interface PostOptions {
  url: URL;
  address: string;
  family: 4 | 6;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  maxResponseBytes: number;
}

export function postWebhook(o: PostOptions): Promise<PostResult> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: PostResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      req.destroy();
      resolve(r);
    };
    const pinned: LookupFunction = (_host, opts, cb) => {
      if ((opts as { all?: boolean }).all) {
        (cb as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [
          { address: o.address, family: o.family },
        ]);
      } else cb(null, o.address, o.family);
    };
    const lib = o.url.protocol === "https:" ? https : http;
    const req = lib.request(o.url, {
      method: "POST",
      headers: { ...o.headers, "content-length": Buffer.byteLength(o.body).toString() },
      lookup: pinned,
      agent: false, // a fresh connection per attempt: no pooled socket to another address
    });
    const deadline = setTimeout(
      () => finish({ statusCode: null, body: "", error: `No answer within ${Math.round(o.timeoutMs / 100) / 10} s (timeout)` }),
      o.timeoutMs,
    );
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => finish({ statusCode: res.statusCode ?? null, body: Buffer.concat(chunks).toString("utf8"), error: null });
      res.on("data", (c: Buffer) => {
        if (size < o.maxResponseBytes) chunks.push(c.subarray(0, o.maxResponseBytes - size));
        size += c.length;
        if (size >= o.maxResponseBytes) done();
      });
      res.on("end", done);
      res.on("error", done);
    });
    req.on("error", (err: NodeJS.ErrnoException) => finish({ statusCode: null, body: "", error: describeNetworkError(err) }));
    req.end(o.body);
  });
}

function describeNetworkError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case "ECONNREFUSED":
      return "Connection refused (ECONNREFUSED)";
    case "ECONNRESET":
      return "Connection reset by the server (ECONNRESET)";
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return `Host unreachable (${err.code})`;
    default:
      if (err.code?.startsWith("ERR_TLS") || /certificate|SSL|TLS/i.test(err.message)) return `TLS error: ${err.message}`;
      return err.code ? `${err.message} (${err.code})` : err.message;
  }
}
