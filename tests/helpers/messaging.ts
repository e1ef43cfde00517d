import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createApiKey } from "../../lib/apikeys/api-keys";
import { connectSandboxChannel, type Channel } from "../../lib/channels/channels";
import { resetEnvCache } from "../../lib/config/env";
import { withService } from "../../lib/db/tx";
import { startSandboxGraphServer, type SandboxGraphServer } from "../../lib/sandbox/graph-server";
import { credit } from "../../lib/wallet/wallet";
import { makeOrg } from "./factories";
import { serveRoutes, type RouteModule } from "./serve-routes";
import * as messagesRoute from "../../app/api/v1/messages/route";
import * as messageRoute from "../../app/api/v1/messages/[id]/route";
import * as sendMessageRoute from "../../app/api/send-message/route";
import * as walletRoute from "../../app/api/v1/wallet/route";
import * as walletTxRoute from "../../app/api/v1/wallet/transactions/route";
import * as channelsRoute from "../../app/api/channels/route";
import * as sandboxChannelRoute from "../../app/api/channels/sandbox/route";
import * as signupRoute from "../../app/api/channels/embedded-signup/route";
import * as defaultRoute from "../../app/api/channels/[id]/default/route";
import * as disconnectRoute from "../../app/api/channels/[id]/disconnect/route";

export const ROUTES: Record<string, RouteModule> = {
  "/api/v1/messages": messagesRoute,
  "/api/v1/messages/[id]": messageRoute as unknown as RouteModule,
  "/api/send-message": sendMessageRoute,
  "/api/v1/wallet": walletRoute,
  "/api/v1/wallet/transactions": walletTxRoute,
  "/api/channels": channelsRoute,
  "/api/channels/sandbox": sandboxChannelRoute,
  "/api/channels/embedded-signup": signupRoute,
  "/api/channels/[id]/default": defaultRoute as unknown as RouteModule,
  "/api/channels/[id]/disconnect": disconnectRoute as unknown as RouteModule,
};

/** A tiny stand-in for the app's webhook route (not this branch's): records what the sandbox posts. */
export async function startRecorder() {
  const received: Array<{ headers: http.IncomingHttpHeaders; raw: string; body: unknown }> = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    received.push({ headers: req.headers, raw, body: JSON.parse(raw) });
    res.writeHead(200).end("ok");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/api/webhook`, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

export interface Stack {
  app: { url: string; close(): Promise<void> };
  graph: SandboxGraphServer;
  recorder: Awaited<ReturnType<typeof startRecorder>>;
  close(): Promise<void>;
}

/** The routes over real HTTP, the sandbox Graph API on a random port (GRAPH_API_URL), and a webhook recorder. */
export async function startStack(opts: { statusDelayMs?: number } = {}): Promise<Stack> {
  const recorder = await startRecorder();
  const graph = await startSandboxGraphServer({
    appWebhookUrl: recorder.url,
    appSecret: process.env.META_APP_SECRET!,
    statusDelayMs: opts.statusDelayMs ?? 20,
  });
  process.env.GRAPH_API_URL = graph.url;
  process.env.SEND_RETRY_BASE_MS = "0";
  process.env.GRAPH_API_TIMEOUT_MS = "5000";
  resetEnvCache();
  const app = await serveRoutes(ROUTES);
  return {
    app,
    graph,
    recorder,
    close: async () => {
      await app.close();
      await graph.stop();
      await recorder.close();
    },
  };
}

export interface Tenant {
  orgId: string;
  userId: string;
  apiKey: string;
  channel: Channel;
  asUser: Awaited<ReturnType<typeof makeOrg>>["asUser"];
  claims: Awaited<ReturnType<typeof makeOrg>>["claims"];
}

/** An organization with a wallet balance, a default sandbox channel and an API key. */
export async function makeTenant(opts: { balancePaise?: number; feePaise?: number } = {}): Promise<Tenant> {
  const org = await makeOrg({ feePaise: opts.feePaise ?? 20 });
  const channel = await connectSandboxChannel({ orgId: org.orgId, displayPhone: "+91 98765 43210" });
  const key = await withService(async (db) => {
    if (opts.balancePaise ?? 1000) await credit(db, { orgId: org.orgId, amountPaise: opts.balancePaise ?? 1000, reference: `test:${randomUUID()}` });
    return createApiKey(db, { orgId: org.orgId });
  });
  return { orgId: org.orgId, userId: org.user.id, apiKey: key.key, channel, asUser: org.asUser, claims: org.claims };
}

/** A contact who wrote in `minutesAgo` minutes ago (inside the 24-hour window by default). */
export async function makeContact(orgId: string, waId: string, opts: { minutesAgo?: number; optedOut?: boolean } = {}) {
  return withService(async (db) => {
    const { rows } = await db.query<{ id: string }>(
      `insert into public.contacts (org_id, wa_id, phone_e164, last_inbound_at, opted_out)
       values ($1, $2, '+' || $2, now() - make_interval(mins => $3), $4)
       on conflict (org_id, wa_id) do update set last_inbound_at = excluded.last_inbound_at, opted_out = excluded.opted_out
       returning id`,
      [orgId, waId, opts.minutesAgo ?? 5, opts.optedOut ?? false],
    );
    return rows[0].id;
  });
}

let seq = 0;
/** A fresh valid Indian mobile number (+91 9xxxxxxxxx) ending in `suffix` (4 digits). */
export function phone(suffix = ""): string {
  const body = `9${String(Date.now() % 1e5).padStart(5, "0")}${String(seq++ % 1e4).padStart(4, "0")}`;
  return `+91${suffix ? body.slice(0, 10 - suffix.length) + suffix : body}`;
}

export async function api(
  stack: Stack,
  path: string,
  opts: { method?: string; key?: string; cookie?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.key) headers.authorization = `Bearer ${opts.key}`;
  if (opts.cookie) headers.cookie = opts.cookie;
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${stack.app.url}${path}`, {
    method: opts.method ?? (opts.body !== undefined ? "POST" : "GET"),
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: text ? (JSON.parse(text) as Record<string, any>) : null }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export async function ledger(orgId: string) {
  return withService(async (db) => {
    const { rows } = await db.query<{ kind: string; amount_paise: number; reference: string; message_id: string | null }>(
      "select kind, amount_paise, reference, message_id from public.wallet_transactions where org_id = $1 order by id",
      [orgId],
    );
    return rows;
  });
}

export async function balance(orgId: string): Promise<number> {
  return withService(async (db) => (await db.query<{ b: number }>("select balance_paise as b from public.wallets where org_id = $1", [orgId])).rows[0].b);
}

export async function messageRow(id: string) {
  return withService(async (db) => (await db.query("select * from public.messages where id = $1", [id])).rows[0]);
}

/**
 * The whole loop over real HTTP: the routes plus the real Meta webhook route, and the sandbox
 * Graph API posting its signed statuses back to that webhook.
 */
export async function startLoop(
  opts: { routes?: Record<string, RouteModule>; templateReviewMs?: number } = {},
): Promise<{ app: { url: string; close(): Promise<void> }; graph: SandboxGraphServer; close(): Promise<void> }> {
  const webhookRoute = await import("../../app/api/webhook/route");
  const app = await serveRoutes({ ...ROUTES, "/api/webhook": webhookRoute, ...opts.routes });
  const graph = await startSandboxGraphServer({
    appWebhookUrl: `${app.url}/api/webhook`,
    appSecret: process.env.META_APP_SECRET!,
    statusDelayMs: 20,
    ...(opts.templateReviewMs !== undefined ? { templateReviewMs: opts.templateReviewMs } : {}),
  });
  process.env.GRAPH_API_URL = graph.url;
  process.env.SEND_RETRY_BASE_MS = "0";
  resetEnvCache();
  return {
    app,
    graph,
    close: async () => {
      await graph.stop();
      await app.close();
    },
  };
}
