import { z } from "zod";
import type { OrgCaller } from "../auth/caller";
import { channelTokenContext, decryptSecret } from "../crypto/secrets";
import { withCaller } from "../db/as-caller";
import { withService, type Db } from "../db/tx";
import { ApiError } from "../http/errors";
import { logger } from "../log";
import { SANDBOX_STOCK_TEMPLATES, sandboxTemplateId } from "../sandbox/templates";
import { GraphApiError, graphClient, type GraphTemplate } from "../whatsapp/graph-client";
import { invalidateTemplateCache } from "./cache";
import { TEMPLATE_STATUSES, type CreateTemplateInput, type TemplateStatus } from "./schema";

// Message templates per organization and WABA (table public.message_templates). Meta is the
// authority: create and delete go to Meta first, then to our row; sync reads every page of
// GET /{waba_id}/message_templates and upserts; the status webhook (webhook-process.ts) moves a
// row's status. Reads and writes of rows run as the caller (RLS); the channel's access token is
// read and decrypted only here, as service_role, to call Meta.

const log = logger.child({ component: "templates" });

export interface Template {
  id: string;
  waba_id: string;
  meta_template_id: string | null;
  name: string;
  language: string;
  category: string;
  status: TemplateStatus;
  rejected_reason: string | null;
  components: Array<Record<string, unknown>>;
  synced_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `id, waba_id, meta_template_id, name, language, category, status, rejected_reason, components, synced_at,
  created_at, updated_at`;
const UUID = z.string().uuid();
const notFound = () => new ApiError(404, "template_not_found", "No template with this id in your organization.");

/** Sync pages at most this many (100 templates each): a WABA holds at most a few thousand. */
const MAX_PAGES = 100;

function encodeCursor(t: Template): string {
  return Buffer.from(JSON.stringify([t.name, t.language, t.id])).toString("base64url");
}
function decodeCursor(c: string): [string, string, string] {
  try {
    const v = JSON.parse(Buffer.from(c, "base64url").toString("utf8")) as unknown;
    if (Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === "string") && UUID.safeParse(v[2]).success) {
      return [v[0] as string, v[1] as string, v[2] as string];
    }
  } catch {
    // fall through
  }
  throw new ApiError(400, "invalid_cursor", "cursor is not valid; pass next_cursor from the previous page unchanged, or start again without it.");
}

/**
 * The organization's templates by name, language (and id), `limit` per page with an opaque cursor
 * for the next (as the other list routes). Filters: status (DELETED only when asked for), a name
 * fragment, one WABA (by waba_id, or by channel_id: that channel's WABA).
 */
export async function listTemplates(
  db: Db,
  orgId: string,
  q: { status?: TemplateStatus; name?: string; channel_id?: string; waba_id?: string; limit?: number; cursor?: string } = {},
): Promise<{ data: Template[]; next_cursor: string | null }> {
  const limit = q.limit ?? 50;
  const after = q.cursor ? decodeCursor(q.cursor) : null;
  const { rows } = await db.query<Template>(
    `select ${COLUMNS} from public.message_templates t
     where org_id = $1
       and (case when $2::text is null then status <> 'DELETED' else status = $2 end)
       and ($3::text is null or position(lower($3) in name) > 0)
       and ($4::uuid is null or waba_id = (select waba_id from public.channels where id = $4 and org_id = $1))
       and ($5::text is null or waba_id = $5)
       and ($6::text is null or (name, language, id) > ($6, $7, $8::uuid))
     order by name, language, id
     limit $9`,
    [orgId, q.status ?? null, q.name ?? null, q.channel_id ?? null, q.waba_id ?? null, after?.[0] ?? null, after?.[1] ?? null, after?.[2] ?? null, limit + 1],
  );
  const data = rows.slice(0, limit);
  const last = data.at(-1);
  return { data, next_cursor: rows.length > limit && last ? encodeCursor(last) : null };
}

export async function getTemplate(db: Db, orgId: string, id: string): Promise<Template> {
  if (!UUID.safeParse(id).success) throw notFound();
  const { rows } = await db.query<Template>(`select ${COLUMNS} from public.message_templates where id = $1 and org_id = $2`, [id, orgId]);
  if (!rows[0]) throw notFound();
  return rows[0];
}

interface Access {
  channelId: string;
  wabaId: string;
  token: string;
}

/**
 * The WABA to talk to and a token for it: the given channel, or (by WABA) any connected channel
 * of that WABA, or the organization's default channel. Service role: tokens never reach tenants.
 */
async function wabaAccess(orgId: string, by: { channelId?: string; wabaId?: string }): Promise<Access> {
  const { rows } = await withService((db) =>
    db.query<{ id: string; waba_id: string; status: string; access_token_encrypted: string | null }>(
      `select id, waba_id, status, access_token_encrypted from public.channels
       where org_id = $1 and ($2::uuid is null or id = $2) and ($3::text is null or waba_id = $3)
       order by (status = 'connected') desc, is_default desc, created_at limit 1`,
      [orgId, by.channelId ?? null, by.wabaId ?? null],
    ),
  );
  const ch = rows[0];
  if (!ch) {
    if (by.channelId) throw new ApiError(404, "channel_not_found", "No channel with this channel_id in your organization.");
    throw new ApiError(422, "no_channel", "Connect a WhatsApp number (a channel) first: templates belong to its WhatsApp Business Account.");
  }
  if (ch.status !== "connected" || !ch.access_token_encrypted) {
    throw new ApiError(422, "channel_not_connected", "This channel is not connected. Reconnect it to manage its templates.", { channel_id: ch.id });
  }
  return { channelId: ch.id, wabaId: ch.waba_id, token: decryptSecret(ch.access_token_encrypted, channelTokenContext(ch.id)) };
}

/** A refusal from Meta as our error: 4xx with Meta's words; 502 when Meta could not be reached. */
function metaRefusal(err: unknown, doing: string): never {
  if (!(err instanceof GraphApiError)) throw err;
  const i = err.info;
  if (i.network || (i.httpStatus ?? 500) >= 500) {
    throw new ApiError(502, "meta_unavailable", `Meta could not be reached while ${doing}. Try again in a minute.`);
  }
  if (i.code === 190) throw new ApiError(422, "channel_token_expired", "The channel's access token has expired. Reconnect the channel.");
  throw new ApiError(422, "meta_rejected", `Meta refused ${doing}: ${i.title}${i.details ? ` (${i.details})` : ""}`, { meta_code: i.code ?? null });
}

/** Meta's limit on template creations per WABA in a moving hour (REFERENCE.md, Templates). */
const CREATIONS_PER_HOUR = 100;

/**
 * Meta refused a creation for the WABA's hourly limit: 429 saying when to come back. Meta does not
 * say when; the 100th most recent creation made through us for the WABA in the last hour leaves
 * the window at that time plus an hour. Templates made elsewhere (Meta's tools) are not in our rows, so
 * without 100 of ours the answer is the bound that always holds: an hour from now.
 */
async function creationLimited(caller: OrgCaller, wabaId: string): Promise<ApiError> {
  const { rows } = await withCaller(caller, (db) =>
    db.query<{ retry_at: Date }>(
      `select created_at + interval '1 hour' as retry_at from public.message_templates
       where org_id = $1 and waba_id = $2 and created_at > now() - interval '1 hour'
         -- Rows a sync or a sandbox connection inserted (synced_at = created_at, one statement)
         -- were not created at Meta then; ours have no synced_at, or a later one.
         and (synced_at is null or synced_at > created_at)
       order by created_at desc offset $3 limit 1`,
      [caller.orgId, wabaId, CREATIONS_PER_HOUR - 1],
    ),
  );
  const now = Date.now();
  const retryAt = new Date(Math.min(Math.max(rows[0]?.retry_at.getTime() ?? Infinity, now + 1000), now + 3_600_000));
  const retryAfter = Math.ceil((retryAt.getTime() - now) / 1000);
  const hhmm = new Date(Math.ceil(retryAt.getTime() / 60_000) * 60_000).toISOString().slice(11, 16);
  return new ApiError(
    429,
    "template_creation_limited",
    `WhatsApp allows ${CREATIONS_PER_HOUR} new templates per WhatsApp Business Account per hour, and this account has reached it. Try again after ${hhmm} UTC; nothing was created.`,
    { waba_id: wabaId, retry_at: retryAt.toISOString(), retry_after_seconds: retryAfter },
  );
}

/** Creates a template at Meta, then stores it (PENDING until the status webhook or a sync). */
export async function createTemplate(caller: OrgCaller, input: CreateTemplateInput): Promise<Template> {
  const access = await wabaAccess(caller.orgId, { channelId: input.channel_id });
  const existing = await withCaller(caller, (db) =>
    db.query<{ status: string }>(
      "select status from public.message_templates where org_id = $1 and waba_id = $2 and name = $3 and language = $4",
      [caller.orgId, access.wabaId, input.name, input.language],
    ),
  );
  if (existing.rows[0] && existing.rows[0].status !== "DELETED") {
    throw new ApiError(409, "template_exists", `A template "${input.name}" in ${input.language} already exists for this WhatsApp Business Account.`);
  }
  let created: { id: string; status: string; category: string };
  try {
    created = await graphClient().createTemplate({
      wabaId: access.wabaId,
      accessToken: access.token,
      template: { name: input.name, language: input.language, category: input.category, components: input.components },
    });
  } catch (err) {
    if (err instanceof GraphApiError && err.info.code === 80007) throw await creationLimited(caller, access.wabaId);
    metaRefusal(err, "the template");
  }
  const status = (TEMPLATE_STATUSES as readonly string[]).includes(created.status) ? created.status : "PENDING";
  const category = ["MARKETING", "UTILITY", "AUTHENTICATION"].includes(created.category) ? created.category : input.category;
  const template = await withCaller(caller, async (db) => {
    const { rows } = await db.query<Template>(
      `insert into public.message_templates as t (org_id, waba_id, meta_template_id, name, language, category, status, components, status_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, now())
       on conflict (org_id, waba_id, name, language) do update set
         meta_template_id = excluded.meta_template_id, category = excluded.category, status = excluded.status,
         rejected_reason = null, components = excluded.components, status_at = now(), updated_at = now()
       returning ${COLUMNS}`,
      [caller.orgId, access.wabaId, created.id, input.name, input.language, category, status, JSON.stringify(input.components)],
    );
    return rows[0];
  });
  invalidateTemplateCache();
  return template;
}

/** Deletes a template at Meta (this language only, by hsm_id), then marks our row DELETED. */
export async function deleteTemplate(caller: OrgCaller, id: string): Promise<void> {
  const t = await withCaller(caller, (db) => getTemplate(db, caller.orgId, id));
  if (t.status === "DELETED") return;
  const access = await wabaAccess(caller.orgId, { wabaId: t.waba_id });
  try {
    await graphClient().deleteTemplate({ wabaId: t.waba_id, accessToken: access.token, name: t.name, hsmId: t.meta_template_id });
  } catch (err) {
    // Already gone at Meta: nothing left to delete there.
    const gone = err instanceof GraphApiError && (err.info.httpStatus === 404 || err.info.subcode === 2593002);
    if (!gone) metaRefusal(err, "the deletion");
  }
  // Kept as DELETED rather than removed: messages and campaigns may still name it, and Meta keeps
  // the name reserved for a while.
  await withCaller(caller, (db) =>
    db.query("update public.message_templates set status = 'DELETED', status_at = now(), updated_at = now() where id = $1 and org_id = $2", [
      id,
      caller.orgId,
    ]),
  );
  invalidateTemplateCache();
}

export interface SyncResult {
  waba_id: string;
  fetched: number;
  pages: number;
  deleted: number;
}

/**
 * Reads every page of the WABA's templates from Meta and upserts them by (WABA, name, language),
 * Meta's template id included; rows Meta no longer lists become DELETED. Service role: called for
 * a verified organization (the route's caller, or the worker over connected channels).
 */
export async function syncWaba(orgId: string, by: { channelId?: string; wabaId?: string }): Promise<SyncResult> {
  const access = await wabaAccess(orgId, by);
  const started = new Date();
  const all: GraphTemplate[] = [];
  let after: string | null = null;
  let pages = 0;
  try {
    do {
      const page = await graphClient().listTemplates({ wabaId: access.wabaId, accessToken: access.token, limit: 100, after });
      all.push(...page.data);
      after = page.after;
      pages++;
    } while (after && pages < MAX_PAGES);
  } catch (err) {
    metaRefusal(err, "listing the templates");
  }
  const rows = all
    .filter((t) => /^[a-z0-9_]{1,512}$/.test(t.name) && t.language.length >= 2 && t.language.length <= 15 && t.id)
    .map((t) => ({
      meta_template_id: t.id,
      name: t.name,
      language: t.language,
      category: ["MARKETING", "UTILITY", "AUTHENTICATION"].includes(t.category) ? t.category : "UTILITY",
      status: (TEMPLATE_STATUSES as readonly string[]).includes(t.status) ? t.status : "PENDING",
      rejected_reason: t.rejected_reason && t.rejected_reason !== "NONE" ? t.rejected_reason.slice(0, 500) : null,
      components: t.components,
    }));
  const deleted = await withService(async (db) => {
    await db.query(
      `insert into public.message_templates as t
         (org_id, waba_id, meta_template_id, name, language, category, status, rejected_reason, components, synced_at, status_at)
       select $1, $2, r.meta_template_id, r.name, r.language, r.category, r.status, r.rejected_reason, r.components, now(), $4
       from jsonb_to_recordset($3::jsonb) as r(meta_template_id text, name text, language text, category text, status text,
                                              rejected_reason text, components jsonb)
       order by r.name, r.language
       on conflict (org_id, waba_id, name, language) do update set
         meta_template_id = excluded.meta_template_id, category = excluded.category,
         -- A status webhook that arrived after this sync began is newer than the list: keep it.
         status = case when t.status_at > excluded.status_at then t.status else excluded.status end,
         rejected_reason = case when t.status_at > excluded.status_at then t.rejected_reason else excluded.rejected_reason end,
         status_at = greatest(t.status_at, excluded.status_at),
         components = excluded.components, synced_at = now(), updated_at = now()`,
      [orgId, access.wabaId, JSON.stringify(rows), started],
    );
    const gone = await db.query(
      `update public.message_templates set status = 'DELETED', status_at = now(), synced_at = now(), updated_at = now()
       where org_id = $1 and waba_id = $2 and status <> 'DELETED' and created_at < $4
         and not (meta_template_id = any($3::text[]))`,
      [orgId, access.wabaId, rows.map((r) => r.meta_template_id), started],
    );
    return gone.rowCount ?? 0;
  });
  invalidateTemplateCache();
  return { waba_id: access.wabaId, fetched: rows.length, pages, deleted };
}

/** Syncs every WABA of the organization's connected channels (POST /api/v1/templates/sync without a channel). */
export async function syncOrganization(orgId: string): Promise<SyncResult[]> {
  const { rows } = await withService((db) =>
    db.query<{ waba_id: string }>("select distinct waba_id from public.channels where org_id = $1 and status = 'connected' order by waba_id", [orgId]),
  );
  if (!rows.length) throw new ApiError(422, "no_channel", "Connect a WhatsApp number (a channel) first: templates belong to its WhatsApp Business Account.");
  const out: SyncResult[] = [];
  for (const r of rows) out.push(await syncWaba(orgId, { wabaId: r.waba_id }));
  return out;
}

/** The worker's sweep: every connected channel's WABA, one after another; one failure does not stop the rest. */
export async function syncAllConnected(): Promise<number> {
  const { rows } = await withService((db) =>
    db.query<{ org_id: string; waba_id: string }>(
      `select distinct c.org_id, c.waba_id from public.channels c join public.organizations o on o.id = c.org_id
       where c.status = 'connected' and o.status = 'active' order by c.org_id, c.waba_id`,
    ),
  );
  let n = 0;
  for (const r of rows) {
    try {
      await syncWaba(r.org_id, { wabaId: r.waba_id });
      n++;
    } catch (err) {
      log.warn({ orgId: r.org_id, wabaId: r.waba_id, err: (err as Error).message }, "template sync failed");
    }
  }
  return n;
}

/** After a live channel connects: fetch its WABA's templates, without holding up the caller. */
export function syncAfterConnect(orgId: string, channelId: string): void {
  void syncWaba(orgId, { channelId }).catch((err: unknown) =>
    log.warn({ orgId, channelId, err: (err as Error).message }, "template sync after connect failed; the worker will retry"),
  );
}

/**
 * The sandbox Graph API's stock templates (hello_world, order_update) for a sandbox WABA, with the
 * ids the sandbox gives them, so template sends work at once and a later sync matches these rows.
 */
export async function insertSandboxStockTemplates(db: Db, orgId: string, wabaId: string): Promise<void> {
  const rows = SANDBOX_STOCK_TEMPLATES.map((t) => ({ ...t, meta_template_id: sandboxTemplateId(wabaId, t.name, t.language) }));
  await db.query(
    `insert into public.message_templates (org_id, waba_id, meta_template_id, name, language, category, status, components, synced_at, status_at)
     select $1, $2, r.meta_template_id, r.name, r.language, r.category, 'APPROVED', r.components, now(), now()
     from jsonb_to_recordset($3::jsonb) as r(meta_template_id text, name text, language text, category text, components jsonb)
     on conflict do nothing`,
    [orgId, wabaId, JSON.stringify(rows)],
  );
  invalidateTemplateCache();
}

/** Meta's template status events, as our statuses (FLAGGED only lowers quality; the status stays). */
const EVENT_STATUS: Record<string, TemplateStatus> = {
  APPROVED: "APPROVED",
  REJECTED: "REJECTED",
  PENDING: "PENDING",
  PAUSED: "PAUSED",
  DISABLED: "DISABLED",
  IN_APPEAL: "IN_APPEAL",
  PENDING_DELETION: "PENDING_DELETION",
  DELETED: "DELETED",
  LIMIT_EXCEEDED: "LIMIT_EXCEEDED",
  ARCHIVED: "ARCHIVED",
  REINSTATED: "APPROVED",
};

/**
 * Applies one message_template_status_update (verified, routed to `orgId` by its WABA) to the row
 * with Meta's template id, unless the row holds a status at least as new. Returns what happened.
 */
export async function applyTemplateStatus(
  db: Db,
  orgId: string,
  value: { event?: unknown; message_template_id?: unknown; reason?: unknown },
  at: Date,
): Promise<"applied" | "stale" | "unknown_template" | "ignored"> {
  const status = EVENT_STATUS[String(value.event ?? "")];
  if (!status) return "ignored";
  const metaId = String(value.message_template_id ?? "");
  if (!metaId) return "ignored";
  const reason = typeof value.reason === "string" && value.reason && value.reason !== "NONE" ? value.reason.slice(0, 500) : null;
  const { rows } = await db.query<{ applied: boolean }>(
    `with target as (select id, status_at from public.message_templates where org_id = $1 and meta_template_id = $2 for update),
     moved as (
       update public.message_templates t set status = $3,
         rejected_reason = case when $3 = 'REJECTED' then $4 else null end,
         status_at = $5, updated_at = now()
       from target where t.id = target.id and (target.status_at is null or target.status_at <= $5)
       returning t.id)
     select exists (select 1 from moved) as applied from target`,
    [orgId, metaId, status, reason, at],
  );
  invalidateTemplateCache();
  if (!rows[0]) return "unknown_template";
  return rows[0].applied ? "applied" : "stale";
}
