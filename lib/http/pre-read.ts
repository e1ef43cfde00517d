// A request body the server has already read, handed to the route beside its Request rather than
// inside it. The production front (scripts/web-server.ts, through lib/http/node-adapter.ts) reads
// every body from the socket anyway; building a Web Request around those bytes (a ReadableStream,
// and reading it back out) cost it about a tenth of its CPU per API send (npm run bench:send).
// Every route reads bodies through readText/readJson (./errors.ts) or readBytesLimited (./body.ts),
// which look here first.
const bodies = new WeakMap<Request, Uint8Array>();

export function attachBody(req: Request, body: Uint8Array): Request {
  bodies.set(req, body);
  return req;
}

export function preReadBody(req: Request): Uint8Array | undefined {
  return bodies.get(req);
}
