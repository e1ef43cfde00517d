import { createHash, randomBytes, randomInt } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { signMetaPayload } from "../whatsapp/signature";
import { inboundTextPayload, statusPayload, templateStatusPayload, type StatusName } from "../whatsapp/webhook-payloads";
import {
  reviewTemplate,
  SANDBOX_STOCK_TEMPLATES,
  sandboxTemplateId,
  TEMPLATE_CREATION_LIMITED,
  TEMPLATE_CREATION_WINDOW_MS,
  TEMPLATE_CREATIONS_PER_HOUR,
  type SandboxTemplate,
} from "./templates";

// The sandbox Graph API: Meta's Cloud API endpoints this product calls, served over real HTTP
// (plain node:http) so the live Graph client is what talks to it. It answers sends like Meta,
// then posts signed status webhooks (sent, delivered, read) to the app, and fails on demand by
// the recipient's last four digits (see MAGIC below and README "Sandbox").

/** Recipient suffixes that fail, as Meta would. */
export const MAGIC = {
  tokenExpired: "0190", // 401, code 190 (token expired): refunded, channel marked token_expired
  throttled: "0429", // 429, code 130429 (throughput exceeded): retried, then refunded
  undeliverable: "1026", // 400, code 131026 (undeliverable): failed, fee kept
  serverError: "0500", // 500, code 131000 (something went wrong): retried, then refunded
  failsLater: "2026", // accepted, then a `failed` status webhook (131026)
  pairLimited: "1056", // 400, code 131056 (pair rate limit) on the first message to the number; later ones accepted
} as const;

/** Embedded Signup failures on demand. */
export const SIGNUP_MAGIC = {
  badCodePrefix: "bad", // code starting with "bad": the code exchange fails (code 100)
  subscribeFailsSuffix: "0403", // waba_id ending 0403: subscribed_apps fails (code 200)
  registerFailsPin: "000000", // pin 000000: register fails (code 133005, PIN mismatch)
  lookupFailsSuffix: "0404", // phone_number_id ending 0404: GET /{phone_number_id} fails (code 100)
} as const;

export interface SentRecord {
  at: string;
  phoneNumberId: string;
  to: string;
  type: string;
  body: Record<string, unknown>;
  wamid: string | null;
  errorCode: number | null;
}

export interface SandboxState {
  /** Calls by endpoint: messages, oauth_access_token, subscribed_apps, register, phone_number, inbound. */
  calls: Record<string, number>;
  /** The last `maxSent` message requests (newest last). */
  sent: SentRecord[];
  issuedTokens: Set<string>;
  webhookDeliveries: { ok: number; failed: number };
  /** Message templates by WABA id (each WABA starts with SANDBOX_STOCK_TEMPLATES, approved). */
  templates: Map<string, SandboxTemplate[]>;
  /** When each WABA created templates within the last hour (ms since epoch, oldest first): Meta's 100 an hour. */
  templateCreations: Map<string, number[]>;
}

export interface SandboxGraphOptions {
  port?: number;
  host?: string;
  /** The app's Meta webhook (APP_URL + /api/webhook); null sends no webhooks. */
  appWebhookUrl: string | null;
  appSecret: string;
  /** Milliseconds between sent, delivered and read. */
  statusDelayMs?: number;
  maxSent?: number;
  /** Milliseconds between a template's creation and its review (APPROVED or REJECTED + webhook). */
  templateReviewMs?: number;
  /** Keeps created templates across restarts (the launcher points it into DATA_DIR); none in tests. */
  templatesFile?: string | null;
}

export interface SandboxGraphServer {
  url: string;
  port: number;
  state: SandboxState;
  reset(): void;
  /** Resolves when every queued status webhook has been posted. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

interface QueuedStatus {
  due: number;
  phoneNumberId: string;
  displayPhoneNumber: string;
  wamid: string;
  recipientId: string;
  status: StatusName;
  callbackData?: string;
  error?: { code: number; title: string };
}

const GRAPH_ERRORS = {
  token: { http: 401, code: 190, subcode: 463, type: "OAuthException", message: "Error validating access token: Session has expired." },
  throttled: { http: 429, code: 130429, type: "OAuthException", message: "(#130429) Rate limit hit" },
  undeliverable: { http: 400, code: 131026, type: "OAuthException", message: "(#131026) Message Undeliverable." },
  server: { http: 500, code: 131000, type: "OAuthException", message: "(#131000) Something went wrong" },
  pairLimited: { http: 400, code: 131056, type: "OAuthException", message: "(#131056) (Business Account, Consumer Account) pair rate limit hit" },
} as const;

function graphError(res: http.ServerResponse, http: number, e: { code: number; message: string; type?: string; subcode?: number; details?: string }) {
  json(res, http, {
    error: {
      message: e.message,
      type: e.type ?? "OAuthException",
      code: e.code,
      ...(e.subcode ? { error_subcode: e.subcode } : {}),
      ...(e.details ? { error_data: { messaging_product: "whatsapp", details: e.details } } : {}),
      fbtrace_id: `sbx${randomBytes(6).toString("hex")}`,
    },
  });
}

function json(res: http.ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: http.IncomingMessage, max = 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > max) throw new Error("body too large");
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Display number the sandbox reports for a phone_number_id it has not seen (stable per id). */
function displayFor(phoneNumberId: string): string {
  const d = phoneNumberId.replace(/\D/g, "").padStart(5, "0").slice(-5);
  return `+91 90000 ${d}`;
}

export async function startSandboxGraphServer(opts: SandboxGraphOptions): Promise<SandboxGraphServer> {
  const maxSent = opts.maxSent ?? 5000;
  const delay = opts.statusDelayMs ?? 300;
  const state: SandboxState = { calls: {}, sent: [], issuedTokens: new Set(), webhookDeliveries: { ok: 0, failed: 0 }, templates: new Map(), templateCreations: new Map() };
  const reviewMs = opts.templateReviewMs ?? 1000;
  if (opts.templatesFile && existsSync(opts.templatesFile)) {
    try {
      const saved = JSON.parse(readFileSync(opts.templatesFile, "utf8")) as Record<string, SandboxTemplate[]>;
      for (const [waba, list] of Object.entries(saved)) state.templates.set(waba, list);
    } catch {
      // A corrupt file starts the sandbox fresh (stock templates only).
    }
  }
  const saveTemplates = () => {
    if (!opts.templatesFile) return;
    try {
      writeFileSync(opts.templatesFile, JSON.stringify(Object.fromEntries(state.templates)), { mode: 0o600 });
    } catch {
      // Persistence is a convenience; the sandbox keeps working in memory.
    }
  };
  const wabaTemplates = (waba: string): SandboxTemplate[] => {
    let list = state.templates.get(waba);
    if (!list) {
      list = SANDBOX_STOCK_TEMPLATES.map((t) => ({ ...t, id: sandboxTemplateId(waba, t.name, t.language), status: "APPROVED" }));
      state.templates.set(waba, list);
    }
    return list;
  };
  let reviews: Array<{ due: number; wabaId: string; id: string }> = [];
  const numbers = new Map<string, { display: string; verifiedName: string }>();
  // Pairs (phone_number_id → number) already refused once with 131056.
  const pairLimited = new Set<string>();
  let queue: QueuedStatus[] = [];
  const inFlight = new Set<Promise<void>>();

  const count = (name: string) => (state.calls[name] = (state.calls[name] ?? 0) + 1);
  const tokenOk = (req: http.IncomingMessage) => {
    const auth = req.headers.authorization ?? "";
    const token = auth.startsWith("Bearer ") ? auth.slice(7) : "";
    return token.startsWith("sbx_");
  };
  const numberInfo = (id: string) => numbers.get(id) ?? { display: displayFor(id), verifiedName: `Sandbox Business ${id.slice(-4)}` };

  async function postWebhook(payload: unknown, attempt = 1): Promise<void> {
    if (!opts.appWebhookUrl) return;
    const raw = JSON.stringify(payload);
    try {
      const res = await fetch(opts.appWebhookUrl, {
        method: "POST",
        headers: { "content-type": "application/json", "x-hub-signature-256": signMetaPayload(raw, opts.appSecret) },
        body: raw,
      });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      state.webhookDeliveries.ok++;
    } catch {
      // Meta retries failed deliveries for days; the sandbox tries three times, a second apart.
      if (attempt < 3) {
        await new Promise((r) => setTimeout(r, 1000).unref());
        return postWebhook(payload, attempt + 1);
      }
      state.webhookDeliveries.failed++;
    }
  }

  function track(p: Promise<void>) {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  }

  // Due statuses leave in batches: one signed POST per phone number carrying up to 100 statuses.
  function drain(all = false) {
    const now = Date.now();
    const due = all ? queue : queue.filter((q) => q.due <= now);
    if (!due.length) return;
    queue = all ? [] : queue.filter((q) => q.due > now);
    const byNumber = new Map<string, QueuedStatus[]>();
    for (const q of due) byNumber.set(q.phoneNumberId, [...(byNumber.get(q.phoneNumberId) ?? []), q]);
    for (const [phoneNumberId, items] of byNumber) {
      for (let i = 0; i < items.length; i += 100) {
        const chunk = items.slice(i, i + 100);
        const meta = { phoneNumberId, displayPhoneNumber: chunk[0].displayPhoneNumber };
        const statuses = chunk.map((q) => {
          const p = statusPayload(meta, { wamid: q.wamid, recipientId: q.recipientId, status: q.status, error: q.error });
          const s = (p.entry[0].changes[0].value as unknown as { statuses: Array<Record<string, unknown>> }).statuses[0];
          return q.callbackData ? { ...s, biz_opaque_callback_data: q.callbackData } : s;
        });
        const payload = statusPayload(meta, { wamid: chunk[0].wamid, recipientId: chunk[0].recipientId, status: chunk[0].status });
        (payload.entry[0].changes[0].value as Record<string, unknown>).statuses = statuses;
        track(postWebhook(payload));
      }
    }
  }
  // Template reviews: the sandbox's verdict, then a signed message_template_status_update webhook.
  function review(all = false) {
    const now = Date.now();
    const due = all ? reviews : reviews.filter((r) => r.due <= now);
    if (!due.length) return;
    reviews = all ? [] : reviews.filter((r) => r.due > now);
    for (const r of due) {
      const t = state.templates.get(r.wabaId)?.find((x) => x.id === r.id);
      if (!t || t.status !== "PENDING") continue;
      const verdict = reviewTemplate(t);
      t.status = verdict.status;
      if (verdict.reason) t.rejected_reason = verdict.reason;
      saveTemplates();
      track(
        postWebhook(
          templateStatusPayload({ wabaId: r.wabaId, templateId: t.id, name: t.name, language: t.language, event: verdict.status, reason: verdict.reason }),
        ),
      );
    }
  }
  const timer = setInterval(() => {
    drain();
    review();
  }, 50);
  timer.unref();

  async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const url = new URL(req.url ?? "/", "http://sandbox.local");
    const parts = url.pathname.split("/").filter(Boolean);
    const method = req.method ?? "GET";

    if (parts[0] === "__sandbox") {
      if (method === "GET" && parts[1] === "sent") {
        const to = url.searchParams.get("to");
        const pnid = url.searchParams.get("phone_number_id");
        const rows = state.sent.filter((s) => (!to || s.to === to) && (!pnid || s.phoneNumberId === pnid));
        return json(res, 200, { data: rows, total_calls: state.calls.messages ?? 0 });
      }
      if (method === "GET" && parts[1] === "calls") return json(res, 200, { calls: state.calls, webhook_deliveries: state.webhookDeliveries });
      if (method === "POST" && parts[1] === "reset") {
        reset();
        return json(res, 200, { ok: true });
      }
      if (method === "POST" && parts[1] === "inbound") {
        // A customer writes in: a signed inbound text webhook to the app.
        count("inbound");
        const b = JSON.parse((await readBody(req)) || "{}") as Record<string, string>;
        if (!b.phone_number_id || !b.from || !b.text) return json(res, 400, { error: "phone_number_id, from and text are required" });
        const wamid = `wamid.${randomBytes(12).toString("hex")}`;
        const info = numberInfo(b.phone_number_id);
        await postWebhook(
          inboundTextPayload(
            { phoneNumberId: b.phone_number_id, displayPhoneNumber: b.display_phone_number ?? info.display },
            { from: b.from.replace(/\D/g, ""), wamid, text: b.text, profileName: b.profile_name },
          ),
        );
        return json(res, 200, { wamid });
      }
      return json(res, 404, { error: "unknown sandbox endpoint" });
    }
    if (parts[0] === "health") return json(res, 200, { ok: true });

    // Graph API: /{version}/...
    if (!/^v\d+\.\d+$/.test(parts[0] ?? "")) return graphError(res, 400, { code: 2500, message: "Unknown path components" });
    const [, a, b] = parts;

    if (method === "GET" && a === "oauth" && b === "access_token") {
      count("oauth_access_token");
      const code = url.searchParams.get("code") ?? "";
      if (url.searchParams.get("client_secret") !== opts.appSecret) {
        return graphError(res, 400, { code: 1, message: "Error validating client secret." });
      }
      if (!code || code.startsWith(SIGNUP_MAGIC.badCodePrefix)) {
        return graphError(res, 400, { code: 100, subcode: 36008, message: "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request" });
      }
      const token = `sbx_${createHash("sha256").update(code).digest("base64url").slice(0, 32)}`;
      state.issuedTokens.add(token);
      return json(res, 200, { access_token: token, token_type: "bearer" });
    }

    if (!tokenOk(req)) {
      count("unauthorized");
      return graphError(res, 401, { code: 190, message: "Invalid OAuth access token - Cannot parse access token" });
    }

    if (method === "POST" && b === "subscribed_apps" && a) {
      count("subscribed_apps");
      if (a.endsWith(SIGNUP_MAGIC.subscribeFailsSuffix)) {
        return graphError(res, 403, { code: 200, message: "(#200) Permissions error" });
      }
      return json(res, 200, { success: true });
    }

    if (method === "POST" && b === "register" && a) {
      count("register");
      const body = JSON.parse((await readBody(req)) || "{}") as { messaging_product?: string; pin?: string };
      if (body.messaging_product !== "whatsapp" || !/^\d{6}$/.test(body.pin ?? "")) {
        return graphError(res, 400, { code: 100, message: "(#100) The parameter pin is required and must be 6 digits" });
      }
      if (body.pin === SIGNUP_MAGIC.registerFailsPin) {
        return graphError(res, 400, { code: 133005, message: "Two step verification PIN Mismatch", details: "Verify that the two-step verification PIN is correct." });
      }
      numbers.set(a, numberInfo(a));
      return json(res, 200, { success: true });
    }

    if (method === "GET" && a && !b) {
      count("phone_number");
      if (a.endsWith(SIGNUP_MAGIC.lookupFailsSuffix)) {
        return graphError(res, 404, { code: 100, subcode: 33, message: `Unsupported get request. Object with ID '${a}' does not exist` });
      }
      const info = numberInfo(a);
      return json(res, 200, { id: a, display_phone_number: info.display, verified_name: info.verifiedName });
    }

    if (b === "message_templates" && a) return templates(req, res, url, a, method);

    if (method === "POST" && b === "messages" && a) {
      count("messages");
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(await readBody(req)) as Record<string, unknown>;
      } catch {
        return graphError(res, 400, { code: 100, message: "(#100) Invalid JSON" });
      }
      const to = String(body.to ?? "").replace(/\D/g, "");
      const type = String(body.type ?? "text");
      const record: SentRecord = { at: new Date().toISOString(), phoneNumberId: a, to, type, body, wamid: null, errorCode: null };
      const remember = () => {
        state.sent.push(record);
        if (state.sent.length > maxSent) state.sent.splice(0, state.sent.length - maxSent);
      };
      if (body.messaging_product !== "whatsapp" || !to) {
        record.errorCode = 100;
        remember();
        return graphError(res, 400, { code: 100, message: "(#100) Invalid parameter", details: "messaging_product and to are required" });
      }
      const fail = (e: (typeof GRAPH_ERRORS)[keyof typeof GRAPH_ERRORS]) => {
        record.errorCode = e.code;
        remember();
        return graphError(res, e.http, { code: e.code, message: e.message, type: e.type, subcode: "subcode" in e ? e.subcode : undefined });
      };
      if (to.endsWith(MAGIC.tokenExpired)) return fail(GRAPH_ERRORS.token);
      if (to.endsWith(MAGIC.throttled)) return fail(GRAPH_ERRORS.throttled);
      if (to.endsWith(MAGIC.undeliverable)) return fail(GRAPH_ERRORS.undeliverable);
      if (to.endsWith(MAGIC.serverError)) return fail(GRAPH_ERRORS.server);
      if (to.endsWith(MAGIC.pairLimited) && !pairLimited.has(`${a}>${to}`)) {
        pairLimited.add(`${a}>${to}`);
        return fail(GRAPH_ERRORS.pairLimited);
      }

      const wamid = `wamid.${randomBytes(16).toString("base64url")}`;
      record.wamid = wamid;
      remember();
      json(res, 200, { messaging_product: "whatsapp", contacts: [{ input: String(body.to), wa_id: to }], messages: [{ id: wamid }] });

      if (opts.appWebhookUrl) {
        const info = numberInfo(a);
        const callbackData = typeof body.biz_opaque_callback_data === "string" ? body.biz_opaque_callback_data : undefined;
        const base = { phoneNumberId: a, displayPhoneNumber: info.display, wamid, recipientId: to, callbackData };
        const now = Date.now();
        // Statuses follow the answer (never before it), as with Meta.
        queue.push({ ...base, due: now + delay, status: "sent" });
        if (to.endsWith(MAGIC.failsLater)) {
          queue.push({ ...base, due: now + 2 * delay, status: "failed", error: { code: 131026, title: "Message undeliverable" } });
        } else {
          queue.push({ ...base, due: now + 2 * delay, status: "delivered" });
          queue.push({ ...base, due: now + 3 * delay, status: "read" });
        }
      }
      return;
    }

    return graphError(res, 400, { code: 100, message: `Unsupported ${method} request` });
  }

  // GET, POST and DELETE /{waba_id}/message_templates, as Meta answers them.
  async function templates(req: http.IncomingMessage, res: http.ServerResponse, url: URL, waba: string, method: string) {
    const list = wabaTemplates(waba);
    if (method === "GET") {
      count("templates_list");
      const limit = Math.min(Math.max(Number(url.searchParams.get("limit") ?? 25) || 25, 1), 100);
      const after = url.searchParams.get("after");
      const start = after ? Number(Buffer.from(after, "base64url").toString("utf8")) + 1 : 0;
      if (!Number.isInteger(start) || start < 0) return graphError(res, 400, { code: 100, message: "(#100) Invalid cursor" });
      const name = url.searchParams.get("name");
      const status = url.searchParams.get("status");
      const rows = list.filter((t) => (!name || t.name.includes(name)) && (!status || t.status === status));
      const page = rows.slice(start, start + limit);
      const cursor = (i: number) => Buffer.from(String(i)).toString("base64url");
      const paging: Record<string, unknown> = page.length ? { cursors: { before: cursor(start), after: cursor(start + page.length - 1) } } : { cursors: {} };
      if (start + page.length < rows.length) {
        const next = new URL(url.pathname, `http://${req.headers.host ?? "127.0.0.1"}`);
        next.searchParams.set("limit", String(limit));
        next.searchParams.set("after", cursor(start + page.length - 1));
        if (name) next.searchParams.set("name", name);
        if (status) next.searchParams.set("status", status);
        paging.next = next.toString();
      }
      return json(res, 200, { data: page, paging });
    }
    if (method === "POST") {
      count("templates_create");
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(await readBody(req)) as Record<string, unknown>;
      } catch {
        return graphError(res, 400, { code: 100, message: "(#100) Invalid JSON" });
      }
      const name = String(body.name ?? "");
      const language = String(body.language ?? "");
      const category = String(body.category ?? "");
      if (!/^[a-z0-9_]{1,512}$/.test(name)) return graphError(res, 400, { code: 100, message: "(#100) Param name must be lowercase letters, digits and underscores" });
      if (!["MARKETING", "UTILITY", "AUTHENTICATION"].includes(category)) return graphError(res, 400, { code: 100, message: "(#100) Param category must be one of {MARKETING, UTILITY, AUTHENTICATION}" });
      if (!language || !Array.isArray(body.components)) return graphError(res, 400, { code: 100, message: "(#100) Params language and components are required" });
      if (list.some((t) => t.name === name && t.language === language)) {
        return graphError(res, 400, { code: 100, subcode: 2388024, message: "(#100) Content in this language already exists" });
      }
      // Meta's limit: 100 creations per WABA in any moving hour.
      const since = Date.now() - TEMPLATE_CREATION_WINDOW_MS;
      const created = (state.templateCreations.get(waba) ?? []).filter((at) => at > since);
      state.templateCreations.set(waba, created);
      if (created.length >= TEMPLATE_CREATIONS_PER_HOUR) {
        count("templates_create_limited");
        const { http: status, ...e } = TEMPLATE_CREATION_LIMITED;
        return graphError(res, status, e);
      }
      created.push(Date.now());
      const t: SandboxTemplate = { id: String(10n ** 14n + BigInt(randomInt(2 ** 47))), name, language, category: category as SandboxTemplate["category"], status: "PENDING", components: body.components as Array<Record<string, unknown>> };
      list.push(t);
      saveTemplates();
      reviews.push({ due: Date.now() + reviewMs, wabaId: waba, id: t.id });
      return json(res, 200, { id: t.id, status: "PENDING", category: t.category });
    }
    if (method === "DELETE") {
      count("templates_delete");
      const name = url.searchParams.get("name");
      const hsmId = url.searchParams.get("hsm_id");
      if (!name) return graphError(res, 400, { code: 100, message: "(#100) The parameter name is required" });
      // With hsm_id one template goes; with the name alone, every language of it (as Meta does).
      const gone = list.filter((t) => t.name === name && (!hsmId || t.id === hsmId));
      if (!gone.length) return graphError(res, 404, { code: 100, subcode: 2593002, message: `(#100) Message template "${name}" not found` });
      state.templates.set(waba, list.filter((t) => !gone.includes(t)));
      saveTemplates();
      return json(res, 200, { success: true });
    }
    return graphError(res, 400, { code: 100, message: `Unsupported ${method} request` });
  }

  function reset() {
    state.calls = {};
    state.sent = [];
    state.issuedTokens.clear();
    state.webhookDeliveries = { ok: 0, failed: 0 };
    state.templateCreations.clear();
    pairLimited.clear();
    queue = [];
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) graphError(res, 500, { code: 1, message: `Sandbox error: ${(err as Error).message}` });
      else res.end();
    });
  });
  // Longer than any client's idle keep-alive, so a pooled connection is never closed under a request.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    state,
    reset,
    async flush() {
      review(true);
      drain(true);
      while (inFlight.size) await Promise.all([...inFlight]);
    },
    async stop() {
      clearInterval(timer);
      queue = [];
      await Promise.all([...inFlight]);
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
