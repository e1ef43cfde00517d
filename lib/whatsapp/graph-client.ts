import { Agent, request } from "undici";
import { env } from "../config/env";
import { classifyFailure, isRetryable, type FailureClass } from "./errors";

// The one client for Meta's Graph API (WhatsApp Cloud API and Embedded Signup). Base URL and
// version come from GRAPH_API_URL / GRAPH_API_VERSION, so the sandbox Graph server and Meta are
// the same code path. Connections are kept alive and pooled (undici Agent): at hundreds of sends
// a second, a new TCP (and on Meta, TLS) handshake per call would cost more than the call.

/** A failed Graph call, parsed from Meta's error body ({error:{message, code, error_data:{details}}}). */
export interface GraphErrorInfo {
  /** Meta's error code; absent for network errors. */
  code?: number;
  subcode?: number;
  /** HTTP status of Meta's answer; absent for network errors. */
  httpStatus?: number;
  title: string;
  details?: string;
  fbtraceId?: string;
  /** No answer from Meta (refused, timed out, connection dropped). */
  network: boolean;
  /**
   * The request may have reached Meta although we got no answer (timeout or dropped connection after
   * sending). Meta's send endpoint has no idempotency key, so such a send is never repeated.
   */
  outcomeUnknown: boolean;
}

export class GraphApiError extends Error {
  constructor(readonly info: GraphErrorInfo) {
    super(info.code !== undefined ? `Graph API error ${info.code}: ${info.title}` : `Graph API unreachable: ${info.title}`);
  }
  get failureClass(): FailureClass {
    return classifyFailure(this.info);
  }
  get retryable(): boolean {
    return !this.info.outcomeUnknown && isRetryable(this.info);
  }
}

export interface SendMessageResult {
  wamid: string;
  waId: string | null;
}

export interface PhoneNumberInfo {
  id: string;
  displayPhoneNumber: string;
  verifiedName: string | null;
}

/** A message template as Meta lists it (GET /{waba_id}/message_templates). */
export interface GraphTemplate {
  id: string;
  name: string;
  language: string;
  category: string;
  status: string;
  rejected_reason?: string;
  components: Array<Record<string, unknown>>;
}

export interface GraphTemplatePage {
  data: GraphTemplate[];
  /** The `after` cursor of the next page; null when this is the last one (no paging.next). */
  after: string | null;
}

export interface GraphClient {
  readonly baseUrl: string;
  readonly version: string;
  /** POST /{phone_number_id}/messages; `payload` is Meta's body without messaging_product. */
  sendMessage(args: { phoneNumberId: string; accessToken: string; payload: Record<string, unknown> }): Promise<SendMessageResult>;
  /** Embedded Signup step 1: GET /oauth/access_token?client_id&client_secret&code. */
  exchangeCode(args: { code: string; clientId: string; clientSecret: string }): Promise<{ accessToken: string }>;
  /** Embedded Signup step 2: POST /{waba_id}/subscribed_apps. */
  subscribeApp(args: { wabaId: string; accessToken: string }): Promise<void>;
  /** Embedded Signup step 3: POST /{phone_number_id}/register. */
  registerNumber(args: { phoneNumberId: string; accessToken: string; pin: string }): Promise<void>;
  /** GET /{phone_number_id}?fields=display_phone_number,verified_name. */
  getPhoneNumber(args: { phoneNumberId: string; accessToken: string }): Promise<PhoneNumberInfo>;
  /** GET /{waba_id}/message_templates: one page (`after` from the previous page's cursor). */
  listTemplates(args: { wabaId: string; accessToken: string; limit?: number; after?: string | null }): Promise<GraphTemplatePage>;
  /** POST /{waba_id}/message_templates: Meta's id and first status (PENDING, sometimes APPROVED at once). */
  createTemplate(args: {
    wabaId: string;
    accessToken: string;
    template: { name: string; language: string; category: string; components: unknown[] };
  }): Promise<{ id: string; status: string; category: string }>;
  /** DELETE /{waba_id}/message_templates?name=…[&hsm_id=…]. */
  deleteTemplate(args: { wabaId: string; accessToken: string; name: string; hsmId?: string | null }): Promise<void>;
}

// Errors raised before any byte left (nothing reached Meta): safe to try again.
const NOT_SENT_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "UND_ERR_CONNECT_TIMEOUT"]);

function networkError(err: unknown): GraphApiError {
  const e = err as { code?: string; message?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code ?? "";
  return new GraphApiError({
    title: `${code || "network error"}: ${e.message ?? "no answer"}`,
    network: true,
    outcomeUnknown: !NOT_SENT_CODES.has(code),
  });
}

function parseError(status: number, text: string): GraphApiError {
  let body: { error?: Record<string, unknown> } | undefined;
  try {
    body = JSON.parse(text) as { error?: Record<string, unknown> };
  } catch {
    body = undefined;
  }
  const e = body?.error ?? {};
  const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
  const str = (v: unknown) => (typeof v === "string" && v ? v : undefined);
  const data = (e.error_data ?? {}) as Record<string, unknown>;
  return new GraphApiError({
    code: num(e.code),
    subcode: num(e.error_subcode),
    httpStatus: status,
    title: str(e.error_user_title) ?? str(e.message) ?? `HTTP ${status}`,
    details: str(data.details) ?? str(e.error_user_msg),
    fbtraceId: str(e.fbtrace_id),
    network: false,
    outcomeUnknown: false,
  });
}

export function createGraphClient(opts: { baseUrl: string; version: string; timeoutMs: number; connections?: number }): GraphClient {
  const base = `${opts.baseUrl.replace(/\/+$/, "")}/${opts.version}`;
  const dispatcher = new Agent({
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 60_000,
    connections: opts.connections ?? 256,
    connect: { timeout: Math.min(opts.timeoutMs, 10_000) },
  });

  async function call<T>(method: "GET" | "POST" | "DELETE", path: string, accessToken: string | null, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (accessToken) headers.authorization = `Bearer ${accessToken}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    let status: number;
    let text: string;
    try {
      const res = await request(`${base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        dispatcher,
        headersTimeout: opts.timeoutMs,
        bodyTimeout: opts.timeoutMs,
      });
      status = res.statusCode;
      text = await res.body.text();
    } catch (err) {
      throw networkError(err);
    }
    if (status < 200 || status >= 300) throw parseError(status, text);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new GraphApiError({ httpStatus: status, title: "Meta answered with a body that is not JSON", network: false, outcomeUnknown: true });
    }
  }

  const seg = (s: string) => encodeURIComponent(s);

  return {
    baseUrl: opts.baseUrl,
    version: opts.version,
    async sendMessage({ phoneNumberId, accessToken, payload }) {
      const res = await call<{ contacts?: Array<{ wa_id?: string }>; messages?: Array<{ id?: string }> }>(
        "POST",
        `/${seg(phoneNumberId)}/messages`,
        accessToken,
        { messaging_product: "whatsapp", recipient_type: "individual", ...payload },
      );
      const wamid = res.messages?.[0]?.id;
      if (!wamid) {
        // Accepted (2xx) but without an id: it may well go out, so it is not retried.
        throw new GraphApiError({ httpStatus: 200, title: "Meta accepted the message but returned no message id", network: false, outcomeUnknown: true });
      }
      return { wamid, waId: res.contacts?.[0]?.wa_id ?? null };
    },
    async exchangeCode({ code, clientId, clientSecret }) {
      const q = new URLSearchParams({ client_id: clientId, client_secret: clientSecret, code });
      const res = await call<{ access_token?: string }>("GET", `/oauth/access_token?${q}`, null);
      if (!res.access_token) throw new GraphApiError({ httpStatus: 200, title: "No access_token in Meta's answer", network: false, outcomeUnknown: false });
      return { accessToken: res.access_token };
    },
    async subscribeApp({ wabaId, accessToken }) {
      await call("POST", `/${seg(wabaId)}/subscribed_apps`, accessToken, {});
    },
    async registerNumber({ phoneNumberId, accessToken, pin }) {
      await call("POST", `/${seg(phoneNumberId)}/register`, accessToken, { messaging_product: "whatsapp", pin });
    },
    async getPhoneNumber({ phoneNumberId, accessToken }) {
      const res = await call<{ id?: string; display_phone_number?: string; verified_name?: string }>(
        "GET",
        `/${seg(phoneNumberId)}?fields=display_phone_number,verified_name`,
        accessToken,
      );
      if (!res.display_phone_number) {
        throw new GraphApiError({ httpStatus: 200, title: "Meta returned no display_phone_number for the number", network: false, outcomeUnknown: false });
      }
      return { id: res.id ?? phoneNumberId, displayPhoneNumber: res.display_phone_number, verifiedName: res.verified_name ?? null };
    },
    async listTemplates({ wabaId, accessToken, limit, after }) {
      const q = new URLSearchParams({
        fields: "id,name,language,category,status,rejected_reason,components",
        limit: String(limit ?? 100),
      });
      if (after) q.set("after", after);
      const res = await call<{ data?: unknown[]; paging?: { cursors?: { after?: string }; next?: string } }>(
        "GET",
        `/${seg(wabaId)}/message_templates?${q}`,
        accessToken,
      );
      const data = (res.data ?? []).filter((t): t is Record<string, unknown> => typeof t === "object" && t !== null);
      return {
        data: data.map((t) => ({
          id: String(t.id ?? ""),
          name: String(t.name ?? ""),
          language: String(t.language ?? ""),
          category: String(t.category ?? ""),
          status: String(t.status ?? ""),
          ...(typeof t.rejected_reason === "string" ? { rejected_reason: t.rejected_reason } : {}),
          components: Array.isArray(t.components) ? (t.components as Array<Record<string, unknown>>) : [],
        })),
        // Meta: `next` is present only when there is another page; the cursor is what to pass on.
        after: res.paging?.next ? (res.paging.cursors?.after ?? null) : null,
      };
    },
    async createTemplate({ wabaId, accessToken, template }) {
      const res = await call<{ id?: string; status?: string; category?: string }>("POST", `/${seg(wabaId)}/message_templates`, accessToken, template);
      if (!res.id) throw new GraphApiError({ httpStatus: 200, title: "Meta returned no template id", network: false, outcomeUnknown: false });
      return { id: String(res.id), status: res.status ?? "PENDING", category: res.category ?? template.category };
    },
    async deleteTemplate({ wabaId, accessToken, name, hsmId }) {
      const q = new URLSearchParams({ name });
      if (hsmId) q.set("hsm_id", hsmId);
      await call("DELETE", `/${seg(wabaId)}/message_templates?${q}`, accessToken);
    },
  };
}

const clients = new Map<string, GraphClient>();

/** The process's client for the configured GRAPH_API_URL and version (one connection pool each). */
export function graphClient(): GraphClient {
  const e = env();
  const key = `${e.GRAPH_API_URL}|${e.GRAPH_API_VERSION}|${e.GRAPH_API_TIMEOUT_MS}`;
  let c = clients.get(key);
  if (!c) {
    c = createGraphClient({ baseUrl: e.GRAPH_API_URL, version: e.GRAPH_API_VERSION, timeoutMs: e.GRAPH_API_TIMEOUT_MS });
    clients.set(key, c);
  }
  return c;
}
