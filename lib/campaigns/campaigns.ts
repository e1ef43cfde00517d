import { z } from "zod";
import type { Db } from "../db/tx";
import { ApiError } from "../http/errors";
import { formatPaise, paiseToDecimal } from "../money/format";
import { AudienceError, audienceSchema, resolveAudience, type RejectedRow } from "./audience";
import { bodyText, bodyVariableCount, renderParams, variableSchema } from "./variables";

// Campaigns: create (quote, draft or launch), launch a draft, pause, resume, cancel, progress and
// the per-recipient report. Every function takes the caller's transaction (withCaller: RLS for a
// signed-in member, service role scoped by org_id for an API key) and filters by org_id itself.

const UUID = z.string().uuid();

export const createCampaignSchema = z.object({
  name: z.string().trim().min(1, "give the campaign a name").max(120),
  template_id: z.string().uuid("template_id must be a template's id"),
  channel_id: z.string().uuid().optional(),
  variables: z.array(variableSchema).max(20).default([]),
  audience: audienceSchema,
  /** ISO time to start at; omitted or past = now. */
  scheduled_at: z.string().datetime({ offset: true }).optional(),
  /** quote: count and fee only, nothing written; draft: saved, not sent; launch: sent (now or at scheduled_at). */
  action: z.enum(["quote", "draft", "launch"]).default("launch"),
  /** all: refuse (402) unless the wallet covers every recipient; affordable: send to as many as it covers, in order. */
  mode: z.enum(["all", "affordable"]).default("all"),
});
export type CreateCampaignInput = z.infer<typeof createCampaignSchema>;

export const launchSchema = z.object({
  mode: z.enum(["all", "affordable"]).default("all"),
  scheduled_at: z.string().datetime({ offset: true }).optional(),
});

export interface Quote {
  recipients: number;
  skipped: { opted_out: number; missing_variable: number; duplicates: number; rejected_rows: number };
  fee_paise: number;
  total_fee_paise: number;
  balance_paise: number;
  affordable_recipients: number;
  can_afford_all: boolean;
  rejected: RejectedRow[];
}

export type CampaignStatus = "draft" | "scheduled" | "running" | "paused" | "completed" | "cancelled";

export interface CampaignRow {
  id: string;
  name: string;
  status: CampaignStatus;
  channel_id: string | null;
  template_id: string | null;
  template_name: string;
  template_language: string;
  variables: unknown[];
  audience: Record<string, unknown>;
  mode: "all" | "affordable";
  blocked_reason: string | null;
  scheduled_at: string | null;
  fee_paise: number;
  recipient_count: number;
  launched_at: string | null;
  started_at: string | null;
  completed_at: string | null;
  created_at: string;
}

const CAMPAIGN_COLS = `c.id, c.name, c.status, c.channel_id, c.template_id, c.template_name, c.template_language, c.variables,
  c.audience, c.mode, c.blocked_reason, c.scheduled_at, c.fee_paise::int as fee_paise, c.recipient_count, c.launched_at,
  c.started_at, c.completed_at, c.created_at`;

interface Prepared {
  template: { id: string; name: string; language: string };
  channelId: string;
  feePaise: number;
  balancePaise: number;
  recipients: Array<{ waId: string; e164: string; contactId: string | null; name: string | null; params: string[] | null; status: "queued" | "skipped"; reason: string | null }>;
  quote: Quote;
  audienceSummary: Record<string, unknown>;
}

async function prepare(db: Db, orgId: string, input: CreateCampaignInput): Promise<Prepared> {
  const { rows: t } = await db.query<{ id: string; name: string; language: string; status: string; waba_id: string; components: unknown }>(
    "select id, name, language, status, waba_id, components from public.message_templates where id = $1 and org_id = $2",
    [input.template_id, orgId],
  );
  if (!t[0]) throw new ApiError(404, "template_not_found", "No template with this template_id in your organization.");
  if (t[0].status !== "APPROVED") {
    throw new ApiError(422, "template_not_approved", `Template "${t[0].name}" is ${t[0].status}; only an APPROVED template can be sent in a campaign.`);
  }
  const { rows: ch } = await db.query<{ id: string; status: string; waba_id: string }>(
    `select id, status, waba_id from public.channels where org_id = $1 and ${input.channel_id ? "id = $2" : "is_default"}`,
    input.channel_id ? [orgId, input.channel_id] : [orgId],
  );
  if (!ch[0]) {
    throw input.channel_id
      ? new ApiError(404, "channel_not_found", "No channel with this channel_id in your organization.")
      : new ApiError(422, "no_channel", "Connect a WhatsApp number (a channel) before creating a campaign.");
  }
  if (ch[0].waba_id !== t[0].waba_id) {
    throw new ApiError(422, "template_channel_mismatch", "This template belongs to another WhatsApp Business Account than the channel. Pick a template of the channel's account.");
  }
  const needed = bodyVariableCount(t[0].components);
  if (input.variables.length !== needed) {
    throw new ApiError(422, "variables_mismatch", `Template "${t[0].name}" has ${needed} body variable(s); map exactly ${needed} (you gave ${input.variables.length}).`);
  }

  let audience;
  try {
    audience = await resolveAudience(db, orgId, input.audience);
  } catch (err) {
    if (err instanceof AudienceError) throw new ApiError(422, "invalid_audience", err.message);
    throw err;
  }
  const recipients: Prepared["recipients"] = [];
  let optedOut = 0;
  let missing = 0;
  for (const c of audience.candidates) {
    const base = { waId: c.waId, e164: c.e164, contactId: c.contactId, name: c.name };
    if (c.optedOut) {
      optedOut++;
      recipients.push({ ...base, params: null, status: "skipped", reason: "Opted out: not sent, not charged" });
      continue;
    }
    const r = renderParams(input.variables, c);
    if ("missing" in r) {
      missing++;
      recipients.push({ ...base, params: null, status: "skipped", reason: r.missing });
      continue;
    }
    recipients.push({ ...base, params: r.params, status: "queued", reason: null });
  }
  const { rows: money } = await db.query<{ fee: number; balance: number }>(
    `select o.service_fee_paise::int as fee, coalesce(w.balance_paise, 0)::bigint as balance
       from public.organizations o left join public.wallets w on w.org_id = o.id where o.id = $1`,
    [orgId],
  );
  const feePaise = Number(money[0]?.fee ?? 0);
  const balancePaise = Number(money[0]?.balance ?? 0);
  const sendable = recipients.length - optedOut - missing;
  return {
    template: t[0],
    channelId: ch[0].id,
    feePaise,
    balancePaise,
    recipients,
    audienceSummary: audience.summary,
    quote: quoteOf(sendable, feePaise, balancePaise, {
      opted_out: optedOut,
      missing_variable: missing,
      duplicates: audience.duplicates,
      rejected_rows: audience.rejected.length,
    }, audience.rejected),
  };
}

function quoteOf(sendable: number, feePaise: number, balancePaise: number, skipped: Quote["skipped"], rejected: RejectedRow[]): Quote {
  const affordable = feePaise > 0 ? Math.min(sendable, Math.floor(balancePaise / feePaise)) : sendable;
  return {
    recipients: sendable,
    skipped,
    fee_paise: feePaise,
    total_fee_paise: feePaise * sendable,
    balance_paise: balancePaise,
    affordable_recipients: affordable,
    can_afford_all: affordable === sendable,
    rejected: rejected.slice(0, 100),
  };
}

function refuse(q: Quote): ApiError {
  return new ApiError(
    402,
    "insufficient_balance",
    `The wallet (${formatPaise(q.balance_paise)}) cannot pay for all ${q.recipients} recipients (${formatPaise(q.total_fee_paise)}). Recharge, or launch with mode "affordable" to send to the first ${q.affordable_recipients}.`,
    { quote: q },
  );
}

/** How many of the queued recipients the launch keeps (the rest are skipped as not affordable); throws 402 when refused. */
function affordableCount(q: Quote, mode: "all" | "affordable"): number {
  if (q.recipients === 0) throw new ApiError(422, "no_recipients", "No one in this audience can be sent to (see the skipped counts).", { quote: q });
  if (q.can_afford_all) return q.recipients;
  if (mode === "affordable" && q.affordable_recipients > 0) return q.affordable_recipients;
  throw refuse(q);
}

function startTime(scheduledAt: string | undefined): Date | null {
  if (!scheduledAt) return null;
  const d = new Date(scheduledAt);
  return d.getTime() > Date.now() ? d : null;
}

export interface CreateResult {
  campaign: CampaignRow | null;
  quote: Quote;
  /** Set when the campaign must be queued on the job queue after the transaction commits. */
  enqueue: { id: string; startAfter: Date | null } | null;
}

/** Quote, draft or launch a campaign. */
export async function createCampaign(db: Db, orgId: string, userId: string | null, input: CreateCampaignInput): Promise<CreateResult> {
  const p = await prepare(db, orgId, input);
  if (input.action === "quote") return { campaign: null, quote: p.quote, enqueue: null };
  const launch = input.action === "launch";
  const keep = launch ? affordableCount(p.quote, input.mode) : p.quote.recipients;
  const start = startTime(input.scheduled_at);
  const status: CampaignStatus = !launch ? "draft" : start ? "scheduled" : "running";

  const { rows } = await db.query<{ id: string }>(
    `insert into public.campaigns (org_id, name, channel_id, template_id, template_name, template_language, variables, audience,
       status, mode, scheduled_at, fee_paise, recipient_count, launched_at, created_by)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, case when $9 <> 'draft' then now() end, $14)
     returning id`,
    [orgId, input.name, p.channelId, p.template.id, p.template.name, p.template.language, JSON.stringify(input.variables),
      JSON.stringify(p.audienceSummary), status, input.mode, start ?? (input.scheduled_at ? new Date(input.scheduled_at) : null),
      p.feePaise, p.recipients.length, userId],
  );
  const id = rows[0].id;
  let queued = 0;
  const recs = p.recipients.map((r) => {
    if (r.status === "queued" && ++queued > keep) {
      return { ...r, status: "skipped" as const, reason: `Not affordable: the wallet covered ${keep} of ${p.quote.recipients} recipients at launch` };
    }
    return r;
  });
  await insertRecipients(db, orgId, id, recs);
  return {
    campaign: await getCampaignRow(db, orgId, id),
    quote: p.quote,
    enqueue: status === "draft" ? null : { id, startAfter: start },
  };
}

async function insertRecipients(db: Db, orgId: string, campaignId: string, recs: Prepared["recipients"]) {
  const CHUNK = 5000;
  for (let i = 0; i < recs.length; i += CHUNK) {
    const part = recs.slice(i, i + CHUNK);
    await db.query(
      `insert into public.campaign_recipients (campaign_id, org_id, seq, contact_id, wa_id, phone_e164, name, params, status, reason)
       select $1, $2, i.seq, i.contact_id, i.wa_id, i.e164, i.name, coalesce(i.params::jsonb, '[]'::jsonb), i.status, i.reason
         from unnest($3::int[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])
           as i(seq, contact_id, wa_id, e164, name, params, status, reason)`,
      [
        campaignId,
        orgId,
        part.map((_, j) => i + j + 1),
        part.map((r) => r.contactId),
        part.map((r) => r.waId),
        part.map((r) => r.e164),
        part.map((r) => r.name),
        part.map((r) => (r.params ? JSON.stringify(r.params) : null)),
        part.map((r) => r.status),
        part.map((r) => r.reason),
      ],
    );
  }
}

/** Launches a draft: quotes its queued recipients against the wallet now. */
export async function launchCampaign(db: Db, orgId: string, id: string, input: z.infer<typeof launchSchema>): Promise<CreateResult> {
  const c = await lockCampaign(db, orgId, id);
  if (c.status !== "draft") throw new ApiError(409, "campaign_not_draft", `This campaign is ${c.status}; only a draft can be launched.`);
  const { rows } = await db.query<{ queued: number; opted_out: number; missing: number; fee: number; balance: number }>(
    `select count(*) filter (where r.status = 'queued')::int as queued,
            count(*) filter (where r.status = 'skipped' and r.reason like 'Opted out%')::int as opted_out,
            count(*) filter (where r.status = 'skipped' and r.reason like 'No value%')::int as missing,
            (select service_fee_paise::int from public.organizations where id = $2) as fee,
            (select balance_paise from public.wallets where org_id = $2)::bigint as balance
       from public.campaign_recipients r where r.campaign_id = $1`,
    [id, orgId],
  );
  const q = quoteOf(rows[0].queued, Number(rows[0].fee), Number(rows[0].balance ?? 0), {
    opted_out: rows[0].opted_out,
    missing_variable: rows[0].missing,
    duplicates: 0,
    rejected_rows: 0,
  }, []);
  const keep = affordableCount(q, input.mode);
  if (keep < q.recipients) {
    await db.query(
      `update public.campaign_recipients set status = 'skipped', reason = $3, updated_at = now()
        where campaign_id = $1 and status = 'queued' and seq > (
          select seq from public.campaign_recipients where campaign_id = $1 and status = 'queued' order by seq offset $2 - 1 limit 1)`,
      [id, keep, `Not affordable: the wallet covered ${keep} of ${q.recipients} recipients at launch`],
    );
  }
  const start = startTime(input.scheduled_at);
  await db.query(
    `update public.campaigns set status = $3, mode = $4, scheduled_at = coalesce($5, scheduled_at), fee_paise = $6, launched_at = now(), updated_at = now()
      where id = $1 and org_id = $2`,
    [id, orgId, start ? "scheduled" : "running", input.mode, start, q.fee_paise],
  );
  return { campaign: await getCampaignRow(db, orgId, id), quote: q, enqueue: { id, startAfter: start } };
}

async function lockCampaign(db: Db, orgId: string, id: string): Promise<CampaignRow> {
  if (!UUID.safeParse(id).success) throw notFound();
  const { rows } = await db.query<CampaignRow>(`select ${CAMPAIGN_COLS} from public.campaigns c where c.id = $1 and c.org_id = $2 for update`, [id, orgId]);
  if (!rows[0]) throw notFound();
  return rows[0];
}

const notFound = () => new ApiError(404, "campaign_not_found", "No campaign with this id in your organization.");

export async function getCampaignRow(db: Db, orgId: string, id: string): Promise<CampaignRow> {
  if (!UUID.safeParse(id).success) throw notFound();
  const { rows } = await db.query<CampaignRow>(`select ${CAMPAIGN_COLS} from public.campaigns c where c.id = $1 and c.org_id = $2`, [id, orgId]);
  if (!rows[0]) throw notFound();
  return rows[0];
}

export interface Progress {
  total: number;
  queued: number;
  sending: number;
  sent: number;
  delivered: number;
  read: number;
  failed: number;
  skipped: number;
  /** Fees kept (charged and not refunded) for this campaign's messages, and fees refunded. */
  fees_paise: number;
  refunded_paise: number;
}

export async function campaignProgress(db: Db, orgId: string, id: string): Promise<Progress> {
  const { rows } = await db.query<{ s: string; n: number }>(
    `select case when r.message_id is null or m.id is null then r.status
                 when m.status = 'pending' then 'sending' else m.status end as s, count(*)::int as n
       from public.campaign_recipients r left join public.messages m on m.id = r.message_id
      where r.campaign_id = $1 and r.org_id = $2
      group by 1`,
    [id, orgId],
  );
  const p: Progress = { total: 0, queued: 0, sending: 0, sent: 0, delivered: 0, read: 0, failed: 0, skipped: 0, fees_paise: 0, refunded_paise: 0 };
  for (const r of rows) {
    const k = r.s as keyof Progress;
    if (k in p) p[k] += r.n;
    p.total += r.n;
  }
  const { rows: f } = await db.query<{ kept: number; refunded: number }>(
    `select coalesce(sum(fee_paise) filter (where not refunded), 0)::bigint as kept, coalesce(sum(fee_paise) filter (where refunded), 0)::bigint as refunded
       from public.messages where campaign_id = $1 and org_id = $2`,
    [id, orgId],
  );
  p.fees_paise = Number(f[0].kept);
  p.refunded_paise = Number(f[0].refunded);
  return p;
}

export async function getCampaign(db: Db, orgId: string, id: string) {
  const campaign = await getCampaignRow(db, orgId, id);
  return { ...campaign, progress: await campaignProgress(db, orgId, id) };
}

export const listCampaignsQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(50) });

export async function listCampaigns(db: Db, orgId: string, q: z.infer<typeof listCampaignsQuery>): Promise<CampaignRow[]> {
  const { rows } = await db.query<CampaignRow>(
    `select ${CAMPAIGN_COLS} from public.campaigns c where c.org_id = $1 order by c.created_at desc, c.id desc limit $2`,
    [orgId, q.limit],
  );
  return rows;
}

export type Control = "pause" | "resume" | "cancel";

/** Pause (stop claiming), resume, or cancel (the recipients not yet sent are skipped). */
export async function controlCampaign(db: Db, orgId: string, id: string, action: Control): Promise<{ campaign: CampaignRow; enqueue: { id: string; startAfter: Date | null } | null }> {
  const c = await lockCampaign(db, orgId, id);
  let enqueue: { id: string; startAfter: Date | null } | null = null;
  if (action === "pause") {
    if (c.status !== "running" && c.status !== "scheduled") throw conflict(c.status, "paused");
    await db.query("update public.campaigns set status = 'paused', updated_at = now() where id = $1", [id]);
  } else if (action === "resume") {
    if (c.status !== "paused") throw conflict(c.status, "resumed");
    const scheduled = c.scheduled_at && new Date(c.scheduled_at).getTime() > Date.now() && !c.started_at;
    await db.query("update public.campaigns set status = $2, blocked_reason = null, updated_at = now() where id = $1", [id, scheduled ? "scheduled" : "running"]);
    enqueue = { id, startAfter: scheduled ? new Date(c.scheduled_at!) : null };
  } else {
    if (c.status === "completed" || c.status === "cancelled") throw conflict(c.status, "cancelled");
    await db.query("update public.campaigns set status = 'cancelled', blocked_reason = null, completed_at = now(), updated_at = now() where id = $1", [id]);
    await db.query(
      "update public.campaign_recipients set status = 'skipped', reason = 'Campaign cancelled before this recipient was sent', updated_at = now() where campaign_id = $1 and status = 'queued'",
      [id],
    );
  }
  return { campaign: await getCampaignRow(db, orgId, id), enqueue };
}

const conflict = (status: string, verb: string) => new ApiError(409, "campaign_state", `This campaign is ${status}; it cannot be ${verb}.`);

export interface ReportRow {
  seq: number;
  phone: string;
  name: string | null;
  status: string;
  reason: string | null;
  attempts: number;
  message_id: string | null;
  fee_paise: number;
  refunded: boolean;
  sent_at: string | null;
  delivered_at: string | null;
  read_at: string | null;
}

export const REPORT_PAGE = 5000;

/** One page of the per-recipient report, in recipient order (seq > after). */
export async function reportPage(db: Db, orgId: string, id: string, after = 0, limit = REPORT_PAGE, status?: string): Promise<ReportRow[]> {
  const { rows } = await db.query<ReportRow>(
    `select * from (
       select r.seq, r.phone_e164 as phone, r.name,
              case when r.message_id is null or m.id is null then r.status when m.status = 'pending' then 'sending' else m.status end as status,
              coalesce(case when m.status = 'failed' then m.error_title end, r.reason) as reason, r.attempt as attempts, r.message_id,
              coalesce(m.fee_paise, 0)::int as fee_paise, coalesce(m.refunded, false) as refunded, m.sent_at, m.delivered_at, m.read_at
         from public.campaign_recipients r left join public.messages m on m.id = r.message_id
        where r.campaign_id = $1 and r.org_id = $2 and r.seq > $3
        order by r.seq) x
      where $5::text is null or x.status = $5
      limit $4`,
    [id, orgId, after, limit, status ?? null],
  );
  return rows;
}

export const REPORT_COLUMNS = ["#", "phone", "name", "status", "reason", "attempts", "message_id", "fee_inr", "refunded", "sent_at", "delivered_at", "read_at"];

function cell(v: unknown): string {
  if (v === null || v === undefined) return "";
  let s = v instanceof Date ? v.toISOString() : String(v);
  // A spreadsheet must not run a cell as a formula.
  if (/^[=+\-@\t\r]/.test(s) && !/^\+\d+$/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function reportCsvLines(rows: ReportRow[]): string {
  return rows
    .map((r) =>
      [r.seq, r.phone, r.name, r.status, r.reason, r.attempts, r.message_id, paiseToDecimal(r.fee_paise),
        r.refunded ? "yes" : "no", r.sent_at, r.delivered_at, r.read_at].map(cell).join(","),
    )
    .join("\n");
}

export interface CampaignFormOptions {
  templates: Array<{ id: string; name: string; language: string; waba_id: string; body: string; variables: number }>;
  channels: Array<{ id: string; display_phone_number: string; waba_id: string; throughput_mps: number; messaging_limit_tier: number | null; is_default: boolean }>;
  tags: Array<{ tag: string; contacts: number }>;
  attributeKeys: string[];
  contacts: number;
  feePaise: number;
  balancePaise: number;
}

/** What the New campaign form offers: approved templates, channels, tags and attribute keys in use. */
export async function campaignFormOptions(db: Db, orgId: string): Promise<CampaignFormOptions> {
  // One client runs one query at a time: in turn, not Promise.all (pg queues them anyway, and
  // warns that it will stop doing so).
  const t = await db.query<{ id: string; name: string; language: string; waba_id: string; components: unknown }>(
    "select id, name, language, waba_id, components from public.message_templates where org_id = $1 and status = 'APPROVED' order by name, language",
    [orgId],
  );
  const ch = await db.query<CampaignFormOptions["channels"][number]>(
    "select id, display_phone_number, waba_id, throughput_mps, messaging_limit_tier, is_default from public.channels where org_id = $1 and status = 'connected' order by is_default desc, created_at",
    [orgId],
  );
  const tags = await db.query<{ tag: string; contacts: number }>(
    "select t as tag, count(*)::int as contacts from public.contacts c, unnest(c.tags) t where c.org_id = $1 group by t order by t limit 200",
    [orgId],
  );
  const keys = await db.query<{ k: string }>(
    "select distinct k from (select jsonb_object_keys(attributes) k from public.contacts where org_id = $1 and attributes <> '{}'::jsonb limit 5000) x order by k limit 50",
    [orgId],
  );
  const money = await db.query<{ fee: number; balance: number; contacts: number }>(
    `select o.service_fee_paise::int as fee, coalesce(w.balance_paise, 0)::bigint as balance,
            (select count(*)::int from public.contacts where org_id = $1) as contacts
       from public.organizations o left join public.wallets w on w.org_id = o.id where o.id = $1`,
    [orgId],
  );
  return {
    templates: t.rows.map((r) => ({ id: r.id, name: r.name, language: r.language, waba_id: r.waba_id, body: bodyText(r.components), variables: bodyVariableCount(r.components) })),
    channels: ch.rows,
    tags: tags.rows,
    attributeKeys: keys.rows.map((r) => r.k),
    contacts: money.rows[0]?.contacts ?? 0,
    feePaise: Number(money.rows[0]?.fee ?? 0),
    balancePaise: Number(money.rows[0]?.balance ?? 0),
  };
}
