import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey } from "../lib/apikeys/api-keys";
import { signSession } from "../lib/auth/session";
import { withService } from "../lib/db/tx";
import * as messages from "../app/api/v1/messages/route";
import * as wallet from "../app/api/v1/wallet/route";
import { makeOrg } from "./helpers/factories";
import { serveRoutes } from "./helpers/serve-routes";

// The public API's per-key rate limit over real HTTP: the route handlers served as they are, the
// keys and sessions real. Key A gets an operator override of 1 request a second (burst 2); key B
// of the same organization keeps the server default (100/s, burst 200).

let server: { url: string; close(): Promise<void> };
let orgId: string;
let keyA: string;
let keyB: string;
let cookie: string;

beforeAll(async () => {
  server = await serveRoutes({ "/api/v1/wallet": wallet, "/api/v1/messages": messages });
  const org = await makeOrg();
  orgId = org.orgId;
  cookie = `wa_session=${await signSession(org.user)}`;
  const [a, b] = await withService(async (db) => {
    const a = await createApiKey(db, { orgId });
    await db.query("update public.api_keys set rate_limit_per_second = 1 where id = $1", [a.id]);
    return [a, await createApiKey(db, { orgId })];
  });
  keyA = a.key;
  keyB = b.key;
});
afterAll(() => server.close());

const get = (headers: Record<string, string>) => fetch(`${server.url}/api/v1/wallet`, { headers });
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** Calls until the first 429 (at most 30 calls); returns the successes before it and the 429. */
async function exhaust(key: string) {
  const ok: Response[] = [];
  for (let i = 0; i < 30; i++) {
    const res = await get(bearer(key));
    if (res.status === 429) return { ok, limited: res };
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    ok.push(res);
  }
  throw new Error("no 429 after 30 calls at 1 request a second");
}

describe("public API rate limit per API key", () => {
  it("answers 429 rate_limited with Retry-After over the limit; other keys and sessions are unaffected; it recovers", async () => {
    const { ok, limited } = await exhaust(keyA);
    // The burst (2) went through, with the key's limit in the headers.
    expect(ok.length).toBeGreaterThanOrEqual(2);
    expect(ok[0].headers.get("x-ratelimit-limit")).toBe("2");
    expect(ok[0].headers.get("x-ratelimit-remaining")).toBe("1");

    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(Number.isInteger(retryAfter) && retryAfter >= 1).toBe(true);
    expect(limited.headers.get("x-ratelimit-remaining")).toBe("0");
    const body = (await limited.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("rate_limited");
    expect(body.error.message).toMatch(/Retry after \d+ s/);

    // A send over the limit is refused before anything is read or written.
    const send = await fetch(`${server.url}/api/v1/messages`, {
      method: "POST",
      headers: { ...bearer(keyA), "content-type": "application/json" },
      body: JSON.stringify({ to: "+919876543210", type: "text", text: { body: "hi" } }),
    });
    expect(send.status).toBe(429);
    expect(send.headers.get("retry-after")).not.toBeNull();
    const sent = await withService((db) => db.query("select count(*)::int as n from public.messages where org_id = $1", [orgId]));
    expect(sent.rows[0].n).toBe(0);

    // Another key of the same organization has its own bucket, at the default limit.
    const other = await get(bearer(keyB));
    expect(other.status).toBe(200);
    expect(other.headers.get("x-ratelimit-limit")).toBe("200");

    // The dashboard (a session) is not limited by API key buckets, and gets no rate headers.
    for (let i = 0; i < 10; i++) {
      const res = await get({ cookie });
      expect(res.status).toBe(200);
      expect(res.headers.get("x-ratelimit-limit")).toBeNull();
      await res.arrayBuffer();
    }

    // After Retry-After seconds the key works again.
    await new Promise((r) => setTimeout(r, retryAfter * 1000));
    const again = await get(bearer(keyA));
    expect(again.status).toBe(200);
  });

  it("a bad key is still 401, not counted", async () => {
    const res = await get(bearer("wak_AAAAAAAA_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
    expect(res.status).toBe(401);
    expect(res.headers.get("x-ratelimit-limit")).toBeNull();
  });
});
