import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closePools } from "../lib/db/pool";
import { withService } from "../lib/db/tx";
import { fillPattern, listApiRoutes, loadApiRoutes, type AppRoute, type Method } from "./helpers/app-routes";
import { makeUser } from "./helpers/factories";
import { makeContact, makeTenant, phone, type Tenant } from "./helpers/messaging";
import { serveRoutes } from "./helpers/serve-routes";
import { makeOutbound, sessionCookie } from "./helpers/webhook";

// The full isolation matrix: every route under app/api (read from disk), every method it exports,
// as organization A's owner (session) and as A's API key, with each dynamic segment filled with
// organization B's real id of the right kind. Expected: 403 or 404 (401 for an API key on a
// dashboard-only route), none of B's ids or names in the body, and none of B's rows changed.
// Routes without a dynamic segment are read (GET) with B's ids in the query string instead.

/** The kinds of row a dynamic segment can name; each is one of B's rows. */
type Kind =
  | "message"
  | "contact"
  | "channel"
  | "automation_rule"
  | "webhook_endpoint"
  | "webhook_delivery"
  | "payment"
  | "invitation"
  | "member"
  | "api_key"
  | "notification"
  | "organization"
  | "template"
  | "campaign";

/**
 * What each dynamic segment names, by the route's path up to that segment. A new route with a
 * segment not listed here fails the test: add its kind (and, for a new kind, B's row below).
 */
const SEGMENT_KINDS: Record<string, Kind> = {
  "/api/automations/[id]": "automation_rule",
  "/api/channels/[id]": "channel",
  "/api/contacts/[id]": "contact",
  "/api/inbox/conversations/[contactId]": "contact",
  "/api/notifications/[id]": "notification",
  "/api/operator/orgs/[id]": "organization",
  "/api/settings/api-keys/[id]": "api_key",
  "/api/settings/invitations/[id]": "invitation",
  "/api/settings/members/[userId]": "member",
  "/api/settings/webhooks/[id]": "webhook_endpoint",
  "/api/settings/webhooks/deliveries/[id]": "webhook_delivery",
  "/api/v1/contacts/[id]": "contact",
  "/api/v1/messages/[id]": "message",
  // Routes other branches are adding (templates, campaigns): their kinds are ready here.
  "/api/v1/templates/[id]": "template",
  "/api/templates/[id]": "template",
  "/api/v1/campaigns/[id]": "campaign",
  "/api/campaigns/[id]": "campaign",
};

/** Bodies for writes, valid in shape, so a refusal can only come from B's row not being A's. */
const BODIES: Record<string, unknown> = {
  "PATCH /api/automations/[id]": { enabled: false },
  "PATCH /api/contacts/[id]": { name: "A was here" },
  "PATCH /api/v1/contacts/[id]": { name: "A was here" },
  "PATCH /api/operator/orgs/[id]": { status: "suspended" },
  "POST /api/operator/orgs/[id]/adjustments": { amount_paise: -100, reason: "A takes B's money" },
  "PATCH /api/settings/members/[userId]": { role: "owner" },
  "PATCH /api/settings/webhooks/[id]": { enabled: false },
  "POST /api/settings/webhooks/[id]/rotate-secret": {},
};

/** Segment path → kind, or a clear failure naming what to add. */
function segmentKinds(route: AppRoute): Kind[] {
  return route.segments.map((name) => {
    const prefix = route.pattern.slice(0, route.pattern.indexOf(`[${name}]`) + name.length + 2);
    const kind = SEGMENT_KINDS[prefix];
    if (!kind) throw new Error(`add an id mapping for ${prefix} (segment [${name}] of ${route.file}) to SEGMENT_KINDS in tests/isolation-matrix.test.ts`);
    return kind;
  });
}

let app: { url: string; close(): Promise<void> };
let methods: Record<string, Method[]>;
let a: Tenant;
let b: Tenant;
let aCookie: string;
const bIds = {} as Record<Kind, string | undefined>;
let bSecrets: string[] = [];

async function tableExists(name: string): Promise<boolean> {
  return (await withService((db) => db.query("select 1 from information_schema.tables where table_schema = 'public' and table_name = $1", [name]))).rowCount === 1;
}

beforeAll(async () => {
  const loaded = await loadApiRoutes();
  methods = loaded.methods;
  app = await serveRoutes(loaded.modules);
  a = await makeTenant({ balancePaise: 5000 });
  b = await makeTenant({ balancePaise: 7000 });
  aCookie = await sessionCookie({ id: a.userId, email: "a-owner@example.test" }, a.orgId);

  // One of B's rows of every kind, each with a name that must never reach A.
  const tag = randomBytes(4).toString("hex");
  const waId = phone().slice(1);
  bIds.contact = await makeContact(b.orgId, waId);
  bIds.message = (await makeOutbound({ orgId: b.orgId, channel: b.channel }, { feePaise: 20 })).messageId;
  bIds.channel = b.channel.id;
  bIds.organization = b.orgId;
  const member = await makeUser(`b-member-${tag}@example.test`);
  bIds.member = member.id;
  await withService(async (db) => {
    await db.query("update public.contacts set name = $2 where id = $1", [bIds.contact, `B secret contact ${tag}`]);
    await db.query("update public.messages set text = $2 where id = $1", [bIds.message, `B secret message ${tag}`]);
    await db.query("update public.organizations set name = $2 where id = $1", [b.orgId, `B secret org ${tag}`]);
    await db.query("insert into public.memberships (org_id, user_id, role) values ($1, $2, 'agent')", [b.orgId, member.id]);
    const one = async (sql: string, params: unknown[]) => String((await db.query<{ id: string }>(sql, params)).rows[0].id);
    bIds.automation_rule = await one("insert into public.automation_rules (org_id, name, match_type, keyword, reply_text) values ($1, $2, 'exact', 'hi', 'B secret reply') returning id", [b.orgId, `B secret rule ${tag}`]);
    bIds.webhook_endpoint = await one("insert into public.webhook_endpoints (org_id, url, events, secret_encrypted, description) values ($1, $2, '{message.status}', 'v1.fixture', 'B secret endpoint') returning id", [b.orgId, `https://b-secret-${tag}.example.com/hook`]);
    // B's rows must change only if a request of A's changes them, so none is left for a sweep that
    // other test files run for every organization: the delivery is final (the delivery worker skips
    // it) and the order was just checked (payment reconciliation, run there with recheckMs 0, skips
    // an order whose last check is not in the past).
    bIds.webhook_delivery = await one(
      "insert into public.webhook_deliveries (org_id, endpoint_id, event_id, event_type, payload, status, attempts, next_attempt_at) values ($1, $2, $3, 'message.status', '{}', 'succeeded', 1, null) returning id",
      [b.orgId, bIds.webhook_endpoint, `evt-b-${tag}`],
    );
    bIds.payment = await one("insert into public.payments (org_id, mode, order_id, amount_paise, checked_at) values ($1, 'sandbox', $2, 1000, now() + interval '1 day') returning id", [b.orgId, `order_bsecret${tag}`]);
    bIds.invitation = await one("insert into public.invitations (org_id, email, role, token_hash) values ($1, $2, 'agent', $3) returning id", [b.orgId, `b-invitee-${tag}@example.test`, `token-${tag}`]);
    bIds.api_key = await one("select id from public.api_keys where org_id = $1 limit 1", [b.orgId]);
    bIds.notification = await one("insert into public.notifications (org_id, kind, title) values ($1, 'fixture', 'B secret notice') returning id", [b.orgId]);
  });
  if (await tableExists("message_templates")) {
    bIds.template = await withService(async (db) =>
      String((await db.query<{ id: string }>("insert into public.message_templates (org_id, waba_id, name, language, category) values ($1, $2, $3, 'en_US', 'UTILITY') returning id", [b.orgId, b.channel.waba_id, `b_secret_template_${tag}`])).rows[0].id),
    );
  }
  // B's draft campaign (with one recipient) on B's template.
  bIds.campaign = await withService(async (db) => {
    const id = String(
      (
        await db.query<{ id: string }>(
          `insert into public.campaigns (org_id, name, channel_id, template_id, template_name, template_language, variables, audience, status, fee_paise, recipient_count)
           values ($1, $2, $3, $4, $5, 'en_US', '[]', '{"type":"all"}', 'draft', 20, 1) returning id`,
          [b.orgId, `B secret campaign ${tag}`, b.channel.id, bIds.template, `b_secret_template_${tag}`],
        )
      ).rows[0].id,
    );
    await db.query(
      `insert into public.campaign_recipients (campaign_id, org_id, seq, contact_id, wa_id, phone_e164, name, params)
       values ($1, $2, 1, $3, $4, $5, $6, '[]')`,
      [id, b.orgId, bIds.contact, waId, `+${waId}`, `B secret recipient ${tag}`],
    );
    return id;
  });
  bSecrets = [...Object.values(bIds).filter((x): x is string => Boolean(x)), `B secret`, `b_secret`, `b-secret`, waId, b.channel.phone_number_id, b.apiKey.slice(0, 16), `order_bsecret${tag}`, `b-member-${tag}`, `b-invitee-${tag}`];
});
afterAll(async () => {
  await app?.close();
  await closePools();
});

/** Everything B owns, row by row (md5 of each row), in every org_id table. */
async function bFootprint(): Promise<Record<string, string>> {
  return withService(async (db) => {
    const tables = (
      await db.query<{ t: string }>(
        `select c.table_name as t from information_schema.columns c join information_schema.tables t using (table_schema, table_name)
         where c.table_schema = 'public' and c.column_name = 'org_id' and t.table_type = 'BASE TABLE' order by 1`,
      )
    ).rows.map((r) => r.t);
    // The analytics rollup is compared by its totals: the fold job (run by other test files, for
    // every organization) legitimately moves delta rows into the daily rows, which keeps the sums.
    const rollup = new Set(["message_stats_daily", "message_stats_delta"]);
    const parts = tables
      .filter((t) => !rollup.has(t))
      .map((t) => `select '${t}' as k, count(*)::text || ':' || coalesce(md5(string_agg(x::text, '|' order by x::text)), '') as v from public.${t} x where org_id = $1`);
    parts.push(`select 'message_stats (totals)', coalesce(md5(string_agg(x::text, '|' order by x::text)), '') from (
      select day, channel_id, campaign_id, sum(pending) p, sum(sent) s, sum(delivered) d, sum(read) r, sum(failed) f, sum(inbound) i, sum(fees_paise) fee
        from (select day, channel_id, campaign_id, pending, sent, delivered, read, failed, inbound, fees_paise from public.message_stats_daily where org_id = $1
              union all
              select day, channel_id, campaign_id, pending, sent, delivered, read, failed, inbound, fees_paise from public.message_stats_delta where org_id = $1) u
       group by day, channel_id, campaign_id) x`);
    parts.push("select 'organization', md5(o::text) from public.organizations o where id = $1");
    const { rows } = await db.query<{ k: string; v: string }>(parts.join(" union all "), [b.orgId]);
    return Object.fromEntries(rows.map((r) => [r.k, r.v]));
  });
}

/**
 * B's ids and names found in an answer. Small numeric ids (bigint keys of notifications and
 * deliveries) are not searched for: "1" is in every answer; the rows-unchanged check covers them.
 * An id the request itself carried may be echoed back in an error answer ("no channel with id …").
 */
function leaked(text: string, status: number, echoed: string[] = []): string[] {
  return bSecrets.filter((s) => !/^\d+$/.test(s) && text.includes(s) && !(status >= 400 && echoed.includes(s)));
}

describe("isolation matrix: organization A against organization B's ids, on every route", () => {
  it("every dynamic segment of every route has an id mapping", () => {
    const problems: string[] = [];
    for (const r of listApiRoutes()) {
      try {
        for (const kind of segmentKinds(r)) if (!bIds[kind]) problems.push(`${r.pattern}: no row of B's for kind ${kind}: create one in beforeAll`);
      } catch (err) {
        problems.push((err as Error).message);
      }
    }
    expect(problems).toEqual([]);
  });

  const callers = () => [
    { name: "A's owner (session)", headers: { cookie: aCookie } as Record<string, string>, refusals: [403, 404] },
    // An API key on a dashboard-only route is not signed in there at all: 401 is a refusal too.
    { name: "A's API key", headers: { authorization: `Bearer ${a.apiKey}` } as Record<string, string>, refusals: [401, 403, 404] },
  ];

  it("routes with B's ids in the path: 403/404, nothing of B's in the answer, B's rows unchanged", async () => {
    const failures: string[] = [];
    let checked = 0;
    for (const r of listApiRoutes().filter((x) => x.segments.length)) {
      const kinds = segmentKinds(r);
      let i = 0;
      const url = fillPattern(r.pattern, () => bIds[kinds[i++]] ?? randomUUID());
      for (const method of methods[r.pattern]) {
        for (const c of callers()) {
          const before = await bFootprint();
          const body = BODIES[`${method} ${r.pattern}`];
          const res = await fetch(`${app.url}${url}`, {
            method,
            headers: { ...c.headers, ...(method === "GET" || method === "DELETE" ? {} : { "content-type": "application/json" }) },
            body: method === "GET" || method === "DELETE" ? undefined : JSON.stringify(body ?? {}),
          });
          const text = await res.text();
          const where = `${c.name}: ${method} ${r.pattern}`;
          if (!c.refusals.includes(res.status)) failures.push(`${where} answered ${res.status} ${text.slice(0, 200)}`);
          if (leaked(text, res.status).length) failures.push(`${where} leaked ${leaked(text, res.status).join(", ")}`);
          const after = await bFootprint();
          const changed = Object.keys(before).filter((k) => before[k] !== after[k]);
          if (changed.length) failures.push(`${where} changed B's rows in ${changed.join(", ")}`);
          checked++;
        }
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(30);
  });

  it("routes without ids: reading them as A (with B's ids in the query) shows nothing of B's", async () => {
    const failures: string[] = [];
    const q = new URLSearchParams({ contact: bIds.contact!, contact_id: bIds.contact!, channel_id: bIds.channel!, org: b.orgId, org_id: b.orgId, id: bIds.message!, endpoint_id: bIds.webhook_endpoint! });
    for (const r of listApiRoutes().filter((x) => !x.segments.length && methods[x.pattern].includes("GET"))) {
      for (const c of callers()) {
        for (const url of [r.pattern, `${r.pattern}?${q}`]) {
          const before = await bFootprint();
          const res = await fetch(`${app.url}${url}`, { headers: c.headers });
          const text = await res.text();
          if (res.status >= 500) failures.push(`${c.name}: GET ${url} answered ${res.status}`);
          const echoed = [...q.values()];
          if (leaked(text, res.status, echoed).length) failures.push(`${c.name}: GET ${url} → ${res.status} leaked ${leaked(text, res.status, echoed).join(", ")}`);
          const after = await bFootprint();
          const changed = Object.keys(after).filter((k) => before[k] !== after[k]);
          if (changed.length) failures.push(`${c.name}: GET ${url} changed B's rows in ${changed.join(", ")}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it("B itself sees its rows (the ids and names above are real, so the matrix is not vacuous)", async () => {
    const bCookie = await sessionCookie({ id: b.userId, email: "b-owner@example.test" }, b.orgId);
    const checks: Array<[string, string]> = [
      [`/api/contacts/${bIds.contact}`, "B secret contact"],
      [`/api/v1/messages/${bIds.message}`, "B secret message"],
      ["/api/automations", "B secret rule"],
      ["/api/settings/webhooks", "b-secret"],
      ["/api/settings/members", bIds.member!],
    ];
    for (const [url, needle] of checks) {
      const res = await fetch(`${app.url}${url}`, { headers: url.startsWith("/api/v1") ? { authorization: `Bearer ${b.apiKey}` } : { cookie: bCookie } });
      expect(res.status, url).toBe(200);
      expect(await res.text(), url).toContain(needle);
    }
  });
});
