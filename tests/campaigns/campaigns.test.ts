import { spawn, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopBoss } from "../../lib/campaigns/queue";
import { runnerStats } from "../../lib/campaigns/runner";
import { startCampaignWorkers } from "../../lib/campaigns/worker";
import { resetEnvCache } from "../../lib/config/env";
import { closePools } from "../../lib/db/pool";
import { failMessage, prepareStats } from "../../lib/messaging/send";
import { withService } from "../../lib/db/tx";
import { startSandboxGraphServer, type SandboxGraphServer } from "../../lib/sandbox/graph-server";
import { campaignState, makeContacts, makeTaggedContact, makeTemplate, setChannel, waitFor } from "../helpers/campaigns";
import { makeTenant, type Tenant } from "../helpers/messaging";
import { serveRoutes, type RouteModule } from "../helpers/serve-routes";
import * as campaignsRoute from "../../app/api/v1/campaigns/route";
import * as campaignRoute from "../../app/api/v1/campaigns/[id]/route";
import * as pauseRoute from "../../app/api/v1/campaigns/[id]/pause/route";
import * as resumeRoute from "../../app/api/v1/campaigns/[id]/resume/route";
import * as cancelRoute from "../../app/api/v1/campaigns/[id]/cancel/route";
import * as launchRoute from "../../app/api/v1/campaigns/[id]/launch/route";
import * as reportRoute from "../../app/api/v1/campaigns/[id]/report.csv/route";
import * as webhookRoute from "../../app/api/webhook/route";

// Campaigns end to end: the API over real HTTP, the runner on pg-boss (in this process, then as the
// real worker process for the crash test), the sandbox Graph API over HTTP with its status webhooks
// into the real webhook route, and the wallet ledger in Postgres.

const ROUTES: Record<string, RouteModule> = {
  "/api/v1/campaigns": campaignsRoute,
  "/api/v1/campaigns/[id]": campaignRoute as unknown as RouteModule,
  "/api/v1/campaigns/[id]/pause": pauseRoute as unknown as RouteModule,
  "/api/v1/campaigns/[id]/resume": resumeRoute as unknown as RouteModule,
  "/api/v1/campaigns/[id]/cancel": cancelRoute as unknown as RouteModule,
  "/api/v1/campaigns/[id]/launch": launchRoute as unknown as RouteModule,
  "/api/v1/campaigns/[id]/report.csv": reportRoute as unknown as RouteModule,
  "/api/webhook": webhookRoute as unknown as RouteModule,
};

let app: { url: string; close(): Promise<void> };
let graph: SandboxGraphServer;
let stopWorkers: (() => Promise<void>) | null = null;

beforeAll(async () => {
  app = await serveRoutes(ROUTES);
  graph = await startSandboxGraphServer({
    appWebhookUrl: `${app.url}/api/webhook`,
    appSecret: process.env.META_APP_SECRET!,
    statusDelayMs: 30,
    maxSent: 200_000,
  });
  Object.assign(process.env, {
    GRAPH_API_URL: graph.url,
    // Generous: this one process also serves the sandbox and the webhooks at hundreds per second.
    GRAPH_API_TIMEOUT_MS: "120000",
    // One attempt: a retryable failure (0500, 0429) is refunded at once, with no reconciler needed.
    SEND_RETRY_MAX_ATTEMPTS: "1",
    SEND_RETRY_BASE_MS: "0",
    CAMPAIGN_LEASE_SECONDS: "3",
    CAMPAIGN_SLICE_SECONDS: "60",
    CAMPAIGN_BACKOFF_BASE_MS: "1000",
    CAMPAIGN_PAIR_RETRY_MS: "400",
  });
  resetEnvCache();
  stopWorkers = await startCampaignWorkers();
});

afterAll(async () => {
  if (stopWorkers) await stopWorkers();
  await stopBoss();
  await graph.stop();
  await app.close();
  await closePools();
});

async function call(path: string, opts: { key: string; method?: string; body?: unknown }) {
  const res = await fetch(`${app.url}${path}`, {
    method: opts.method ?? (opts.body !== undefined ? "POST" : "GET"),
    headers: { authorization: `Bearer ${opts.key}`, ...(opts.body !== undefined ? { "content-type": "application/json" } : {}) },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  return { status: res.status, text, body: (res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : null) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const mapping = [{ source: "name" }, { source: "attribute", key: "code" }];

async function launch(t: Tenant, templateId: string, tag: string, extra: Record<string, unknown> = {}) {
  const res = await call("/api/v1/campaigns", {
    key: t.apiKey,
    body: { name: `Campaign ${tag}`, template_id: templateId, variables: mapping, audience: { type: "tags", tags: [tag] }, ...extra },
  });
  expect(res.status, res.text).toBe(201);
  return res.body.data.id as string;
}

const sentTo = (t: Tenant) => graph.state.sent.filter((s) => s.phoneNumberId === t.channel.phone_number_id);

async function ledgerTotals(orgId: string, campaignId: string) {
  return withService(async (db) => {
    const { rows } = await db.query<{ balance: string; ledger: string; debits: string; refunds: string; kept: string; msgs: number; refunded_msgs: number }>(
      `select (select balance_paise from public.wallets where org_id = $1) as balance,
              (select sum(amount_paise) from public.wallet_transactions where org_id = $1) as ledger,
              (select -sum(t.amount_paise) from public.wallet_transactions t join public.messages m on m.id = t.message_id
                where t.kind = 'debit' and m.campaign_id = $2) as debits,
              (select coalesce(sum(t.amount_paise), 0) from public.wallet_transactions t join public.messages m on m.id = t.message_id
                where t.kind = 'refund' and m.campaign_id = $2) as refunds,
              (select sum(fee_paise) filter (where not refunded) from public.messages where campaign_id = $2) as kept,
              (select count(*)::int from public.messages where campaign_id = $2) as msgs,
              (select count(*)::int from public.messages where campaign_id = $2 and refunded) as refunded_msgs`,
      [orgId, campaignId],
    );
    const r = rows[0];
    return { balance: Number(r.balance), ledger: Number(r.ledger), debits: Number(r.debits), refunds: Number(r.refunds), kept: Number(r.kept), msgs: r.msgs, refundedMsgs: r.refunded_msgs };
  });
}

async function messagesPerRecipient(campaignId: string) {
  return withService(async (db) => {
    const { rows } = await db.query<{ n: number; c: number }>(
      `select n, count(*)::int as c from (
         select r.id, count(m.id)::int as n from public.campaign_recipients r
           left join public.messages m on m.campaign_id = r.campaign_id and m.idempotency_key like 'campaign:' || r.id || ':%'
          where r.campaign_id = $1 and r.status <> 'skipped' group by r.id) x group by n`,
      [campaignId],
    );
    return Object.fromEntries(rows.map((r) => [r.n, r.c])) as Record<number, number>;
  });
}

describe("campaigns on the job queue (worker in this process)", () => {
  it("5,000 recipients: each charged once, refunded per policy, opted-out skipped and reported, the ledger exact", async () => {
    const t = await makeTenant({ balancePaise: 200_000, feePaise: 20 });
    await setChannel(t.channel.id, 200);
    const templateId = await makeTemplate(t);
    await makeContacts(t.orgId, 4960, "big", "1");
    // 20 opted out (skipped, never charged), 10 undeliverable (131026: fee kept), 10 Meta 5xx (refunded).
    for (let i = 0; i < 20; i++) await makeTaggedContact(t.orgId, `9197${String(i).padStart(6, "0")}33`, "big", { optedOut: true });
    for (let i = 0; i < 10; i++) await makeTaggedContact(t.orgId, `9196${String(i).padStart(4, "0")}1026`, "big");
    for (let i = 0; i < 10; i++) await makeTaggedContact(t.orgId, `9195${String(i).padStart(4, "0")}0500`, "big");

    const quote = await call("/api/v1/campaigns", {
      key: t.apiKey,
      body: { name: "Quote", template_id: templateId, variables: mapping, audience: { type: "tags", tags: ["big"] }, action: "quote" },
    });
    expect(quote.status).toBe(200);
    expect(quote.body.quote).toMatchObject({ recipients: 4980, fee_paise: 20, total_fee_paise: 99_600, can_afford_all: true });
    expect(quote.body.quote.skipped.opted_out).toBe(20);

    const id = await launch(t, templateId, "big");
    const done = await waitFor(() => campaignState(id), (s) => s.status === "completed", 120_000, 250);
    expect(done.recipients).toEqual({ sent: 4960, failed: 20, skipped: 20 });

    // Exactly one message per sendable recipient, and one Graph call per number.
    expect(await messagesPerRecipient(id)).toEqual({ 1: 4980 });
    const calls = sentTo(t);
    expect(calls.length).toBe(4980);
    expect(new Set(calls.map((c) => c.to)).size).toBe(4980);
    // The variables reached Meta.
    const one = calls.find((c) => c.to === "919100000177")!;
    expect(JSON.stringify(one.body)).toContain('"text":"Name 1"');
    expect(JSON.stringify(one.body)).toContain('"text":"C1"');

    const l = await ledgerTotals(t.orgId, id);
    expect(l.msgs).toBe(4980);
    expect(l.debits).toBe(4980 * 20);
    expect(l.refundedMsgs).toBe(10);
    expect(l.refunds).toBe(10 * 20);
    expect(l.kept).toBe(l.debits - l.refunds);
    expect(l.balance).toBe(l.ledger);
    expect(l.balance).toBe(200_000 - l.kept);

    // The progress (statuses from the webhooks) and the report.
    await graph.flush();
    const detail = await waitFor(
      () => call(`/api/v1/campaigns/${id}`, { key: t.apiKey }),
      (r) => r.body.data.progress.sent === 0 && r.body.data.progress.sending === 0,
      60_000,
      250,
    );
    const p = detail.body.data.progress;
    expect(p).toMatchObject({ total: 5000, queued: 0, skipped: 20, failed: 20, fees_paise: l.kept, refunded_paise: 200 });
    expect(p.delivered + p.read).toBe(4960);
    const csv = await call(`/api/v1/campaigns/${id}/report.csv`, { key: t.apiKey });
    expect(csv.status).toBe(200);
    const lines = csv.text.trim().split("\n");
    expect(lines.length).toBe(5001);
    expect(lines[0]).toContain("phone,name,status,reason");
    expect(lines.filter((x) => x.includes("Opted out")).length).toBe(20);
    expect(lines.filter((x) => x.includes(",failed,")).length).toBe(20);
  }, 240_000);

  it("paces a channel within 5% of its configured rate (measured from the send times)", async () => {
    // A sandbox that posts no status webhooks, so this process's event loop only sends: the test
    // machine is shared, and the figure at 1,000 per second is the benchmark's (npm run bench:campaign).
    const quiet = await startSandboxGraphServer({ appWebhookUrl: null, appSecret: process.env.META_APP_SECRET!, maxSent: 10_000 });
    process.env.GRAPH_API_URL = quiet.url;
    resetEnvCache();
    try {
      const t = await makeTenant({ balancePaise: 100_000 });
      await setChannel(t.channel.id, 50);
      const templateId = await makeTemplate(t);
      // 20 seconds, so the jitter of one send's latency is small against the whole run.
      await makeContacts(t.orgId, 1000, "pace", "2");
      const id = await launch(t, templateId, "pace");
      await waitFor(() => campaignState(id), (s) => s.status === "completed", 90_000, 200);
      // When each message was charged and handed to Meta (messages.created_at, the send pipeline's
      // own clock); the sandbox's receive times add this shared machine's varying send latency.
      const { rows } = await withService((db) =>
        db.query<{ t: number }>("select extract(epoch from created_at) * 1000 as t from public.messages where campaign_id = $1 order by created_at", [id]),
      );
      const at = rows.map((r) => Number(r.t));
      expect(at.length).toBe(1000);
      expect(quiet.state.sent.filter((s) => s.phoneNumberId === t.channel.phone_number_id).length).toBe(1000);
      const steady = at.slice(25);
      const rate = (steady.length - 1) / ((steady[steady.length - 1] - steady[0]) / 1000);
      expect(Math.abs(rate / 50 - 1), `achieved ${rate.toFixed(1)} per second`).toBeLessThan(0.05);
    } finally {
      process.env.GRAPH_API_URL = graph.url;
      resetEnvCache();
      await quiet.stop();
    }
  }, 120_000);

  it("backs the channel off after 130429 (throughput), and retries a 131056 (pair limit) recipient later", async () => {
    const t = await makeTenant({ balancePaise: 100_000 });
    await setChannel(t.channel.id, 50);
    const templateId = await makeTemplate(t);
    await makeContacts(t.orgId, 20, "backoff", "3");
    await makeTaggedContact(t.orgId, "919444440429", "backoff");
    await makeTaggedContact(t.orgId, "919444441056", "backoff");
    await makeContacts(t.orgId, 10, "backoff", "4"); // after the magic numbers (created later)
    const before = runnerStats.backoffs;
    const id = await launch(t, templateId, "backoff");
    const done = await waitFor(() => campaignState(id), (s) => s.status === "completed", 60_000, 200);
    expect(done.recipients).toEqual({ sent: 31, failed: 1 });
    expect(runnerStats.backoffs).toBeGreaterThan(before);

    const calls = sentTo(t).sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    // After the 130429 answer, the channel waits at least the first backoff step (1 s) before sending on.
    const i429 = calls.findIndex((c) => c.to === "919444440429");
    const gaps = calls.slice(i429, i429 + 4).map((c, k, a) => (k ? Date.parse(c.at) - Date.parse(a[k - 1].at) : 0));
    expect(Math.max(...gaps)).toBeGreaterThanOrEqual(950);

    // 131056: refused once (fee kept, as for any single send), tried again later, sent.
    const pair = calls.filter((c) => c.to === "919444441056");
    expect(pair.map((c) => c.errorCode)).toEqual([131056, null]);
    expect(Date.parse(pair[1].at) - Date.parse(pair[0].at)).toBeGreaterThanOrEqual(400);
    const rows = await withService((db) =>
      db.query<{ attempt: number; status: string; msgs: string[] }>(
        `select r.attempt, r.status, array(select m.status || ':' || m.refunded from public.messages m
           where m.campaign_id = r.campaign_id and m.idempotency_key like 'campaign:' || r.id || ':%' order by m.created_at) as msgs
           from public.campaign_recipients r where r.campaign_id = $1 and r.wa_id in ('919444441056', '919444440429') order by r.wa_id`,
        [id],
      ),
    );
    expect(rows.rows[0]).toMatchObject({ attempt: 1, status: "failed", msgs: ["failed:true"] }); // 0429: refunded
    expect(rows.rows[1].attempt).toBe(2);
    expect(rows.rows[1].status).toBe("sent");
    expect(rows.rows[1].msgs[0]).toBe("failed:false");
    expect(["sent:false", "delivered:false", "read:false"]).toContain(rows.rows[1].msgs[1]);
  });

  it("never exceeds the channel's messaging-limit tier in 24 hours, and says so", async () => {
    const t = await makeTenant({ balancePaise: 100_000 });
    await setChannel(t.channel.id, 1000, 250);
    const templateId = await makeTemplate(t);
    await makeContacts(t.orgId, 270, "tier", "5");
    const id = await launch(t, templateId, "tier");
    const s = await waitFor(() => campaignState(id), (x) => (x.blocked_reason ?? "").includes("messaging limit"), 60_000, 200);
    expect(s.status).toBe("running");
    // The sends in flight when the limit was reached finish; nothing more goes out while it holds.
    const settled = await waitFor(() => campaignState(id), (x) => !x.recipients.sending, 30_000, 100).catch(async (err: Error) => {
      // Seen once under the full suite's load (90 still sending after 30 s): say which step they are stuck in.
      const { rows } = await withService((db) =>
        db.query(
          `select r.status, r.message_id is not null as has_message, m.status as message_status, m.error_title, count(*)::int as n
             from public.campaign_recipients r left join public.messages m on m.id = r.message_id
            where r.campaign_id = $1 group by 1, 2, 3, 4`,
          [id],
        ),
      );
      throw new Error(`${err.message}; recipients by step: ${JSON.stringify(rows)}; prepare ${JSON.stringify(prepareStats)}`);
    });
    expect(settled.recipients).toEqual({ sent: 250, queued: 20 });
    expect(sentTo(t).length).toBe(250);
    const cancelled = await call(`/api/v1/campaigns/${id}/cancel`, { key: t.apiKey, method: "POST" });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.data.status).toBe("cancelled");
    expect(cancelled.body.data.progress.skipped).toBe(20);
  });

  it("pauses (nothing more is sent), resumes to the end, and cancels (the rest skipped)", async () => {
    const t = await makeTenant({ balancePaise: 100_000 });
    await setChannel(t.channel.id, 20);
    const templateId = await makeTemplate(t);
    await makeContacts(t.orgId, 60, "ctl", "6");
    const id = await launch(t, templateId, "ctl");
    await waitFor(() => Promise.resolve(sentTo(t).length), (n) => n >= 5, 30_000, 50);
    const paused = await call(`/api/v1/campaigns/${id}/pause`, { key: t.apiKey, method: "POST" });
    expect(paused.body.data.status).toBe("paused");
    // The slice notices within one batch and lets go of the campaign.
    await waitFor(() => withService((db) => db.query("select lease_owner from public.campaigns where id = $1", [id])), (r) => r.rows[0].lease_owner === null, 10_000, 50);
    const atPause = sentTo(t).length;
    await new Promise((r) => setTimeout(r, 600));
    expect(sentTo(t).length).toBe(atPause);
    expect(atPause).toBeLessThan(60);
    expect((await call(`/api/v1/campaigns/${id}/pause`, { key: t.apiKey, method: "POST" })).status).toBe(409);

    // A contact who opts out while the campaign is paused is skipped at send time, and reported.
    const last = await withService((db) =>
      db.query<{ wa_id: string }>("select wa_id from public.campaign_recipients where campaign_id = $1 and status = 'queued' order by seq desc limit 1", [id]),
    );
    await withService((db) => db.query("update public.contacts set opted_out = true where org_id = $1 and wa_id = $2", [t.orgId, last.rows[0].wa_id]));

    const resumed = await call(`/api/v1/campaigns/${id}/resume`, { key: t.apiKey, method: "POST" });
    expect(resumed.body.data.status).toBe("running");
    const done = await waitFor(() => campaignState(id), (s) => s.status === "completed", 30_000, 100);
    expect(done.recipients).toEqual({ sent: 59, skipped: 1 });
    expect(new Set(sentTo(t).map((c) => c.to)).size).toBe(59);

    // Cancel: a second campaign to other contacts, cancelled part-way.
    await makeContacts(t.orgId, 60, "ctl2", "7");
    const id2 = await launch(t, templateId, "ctl2");
    await waitFor(() => campaignState(id2), (s) => (s.recipients.sent ?? 0) >= 5, 30_000, 50);
    const c = await call(`/api/v1/campaigns/${id2}/cancel`, { key: t.apiKey, method: "POST" });
    expect(c.body.data.status).toBe("cancelled");
    await waitFor(() => campaignState(id2), (s) => !s.recipients.sending && !s.recipients.queued, 10_000, 50);
    const s2 = await campaignState(id2);
    expect((s2.recipients.sent ?? 0) + (s2.recipients.skipped ?? 0)).toBe(60);
    expect(s2.recipients.skipped).toBeGreaterThan(0);
    const report = await call(`/api/v1/campaigns/${id2}/report.csv`, { key: t.apiKey });
    expect(report.text.split("\n").filter((l) => l.includes("Campaign cancelled")).length).toBe(s2.recipients.skipped);
    expect((await call(`/api/v1/campaigns/${id2}/resume`, { key: t.apiKey, method: "POST" })).status).toBe(409);
  });

  it("quotes, refuses with 402 when the wallet cannot pay for everyone, or sends what it can pay for", async () => {
    const t = await makeTenant({ balancePaise: 100, feePaise: 20 }); // covers 5
    await setChannel(t.channel.id, 100);
    const templateId = await makeTemplate(t);
    await makeContacts(t.orgId, 8, "afford", "8");
    const body = { name: "Afford", template_id: templateId, variables: mapping, audience: { type: "tags", tags: ["afford"] } };
    const q = await call("/api/v1/campaigns", { key: t.apiKey, body: { ...body, action: "quote" } });
    expect(q.body.quote).toMatchObject({ recipients: 8, total_fee_paise: 160, balance_paise: 100, affordable_recipients: 5, can_afford_all: false });

    const refused = await call("/api/v1/campaigns", { key: t.apiKey, body });
    expect(refused.status).toBe(402);
    expect(refused.body.error.code).toBe("insufficient_balance");
    expect(refused.body.error.quote.affordable_recipients).toBe(5);
    expect((await call("/api/v1/campaigns", { key: t.apiKey })).body.data).toEqual([]); // nothing half-written

    const ok = await call("/api/v1/campaigns", { key: t.apiKey, body: { ...body, mode: "affordable" } });
    expect(ok.status).toBe(201);
    const done = await waitFor(() => campaignState(ok.body.data.id), (s) => s.status === "completed", 30_000, 100);
    expect(done.recipients).toEqual({ sent: 5, skipped: 3 });
    const l = await ledgerTotals(t.orgId, ok.body.data.id);
    expect(l.balance).toBe(0);
    expect(l.ledger).toBe(0);

    // A draft launched later is quoted against the wallet then.
    const draft = await call("/api/v1/campaigns", { key: t.apiKey, body: { ...body, name: "Draft", action: "draft" } });
    expect(draft.status).toBe(201);
    expect(draft.body.data.status).toBe("draft");
    const l402 = await call(`/api/v1/campaigns/${draft.body.data.id}/launch`, { key: t.apiKey, method: "POST", body: {} });
    expect(l402.status).toBe(402);
  });

  it("validates the template, the variables and a CSV audience (rejected rows reported)", async () => {
    const t = await makeTenant({ balancePaise: 10_000 });
    const templateId = await makeTemplate(t);
    const pending = await makeTemplate(t, { status: "PENDING" });
    const base = { name: "V", template_id: templateId, variables: mapping, action: "quote" };
    const np = await call("/api/v1/campaigns", { key: t.apiKey, body: { ...base, template_id: pending, audience: { type: "all" } } });
    expect(np.status).toBe(422);
    expect(np.body.error.code).toBe("template_not_approved");
    const mm = await call("/api/v1/campaigns", { key: t.apiKey, body: { ...base, variables: [{ source: "name" }], audience: { type: "all" } } });
    expect(mm.status).toBe(422);
    expect(mm.body.error.code).toBe("variables_mismatch");
    const csv = "phone,name,code\n+91 98111 22277,Asha,A1\nnot-a-number,Bad,B\n+919811122277,Dup,D\n9811133377,,C3\n";
    const q = await call("/api/v1/campaigns", {
      key: t.apiKey,
      body: { ...base, variables: [{ source: "name", fallback: "there" }, { source: "attribute", key: "code" }], audience: { type: "csv", csv } },
    });
    expect(q.status).toBe(200);
    expect(q.body.quote).toMatchObject({ recipients: 2, skipped: { duplicates: 1, rejected_rows: 1 } });
    expect(q.body.quote.rejected[0]).toMatchObject({ row: 3, value: "not-a-number" });
    const bad = await call("/api/v1/campaigns", { key: t.apiKey, body: { ...base, audience: { type: "csv", csv: "name\nx\n" } } });
    expect(bad.status).toBe(422);
    expect(bad.body.error.message).toContain("phone");
  });

  it("keeps organizations apart: another organization's campaign is a 404 everywhere", async () => {
    const a = await makeTenant({ balancePaise: 10_000 });
    const b = await makeTenant({ balancePaise: 10_000 });
    const templateId = await makeTemplate(a);
    await makeContacts(a.orgId, 2, "iso", "9");
    const draft = await call("/api/v1/campaigns", {
      key: a.apiKey,
      body: { name: "Iso", template_id: templateId, variables: mapping, audience: { type: "tags", tags: ["iso"] }, action: "draft" },
    });
    const id = draft.body.data.id;
    expect((await call(`/api/v1/campaigns/${id}`, { key: b.apiKey })).status).toBe(404);
    expect((await call(`/api/v1/campaigns/${id}/report.csv`, { key: b.apiKey })).status).toBe(404);
    for (const action of ["pause", "resume", "cancel", "launch"]) {
      expect((await call(`/api/v1/campaigns/${id}/${action}`, { key: b.apiKey, method: "POST" })).status).toBe(404);
    }
    expect((await call("/api/v1/campaigns", { key: b.apiKey })).body.data).toEqual([]);
    // B cannot use A's template either.
    const steal = await call("/api/v1/campaigns", { key: b.apiKey, body: { name: "x", template_id: templateId, variables: mapping, audience: { type: "all" } } });
    expect(steal.status).toBe(404);
    expect((await campaignState(id)).status).toBe("draft");
  });
});

describe("a worker killed half-way (kill -9) and restarted", () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  });

  function startWorker(): ChildProcess {
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/worker.ts"], {
      env: {
        ...process.env,
        // Only the campaign jobs: the other sweeps belong to the other test files running alongside.
        WORKER_JOBS: "campaigns.run,campaigns.sweep",
        LOG_LEVEL: "silent",
      },
      stdio: "ignore",
    });
    children.push(child);
    return child;
  }

  it("finishes a 5,000-recipient campaign: no recipient sent twice, none skipped, the ledger exact", async () => {
    // This process stops running campaigns: the worker processes do it from here on.
    if (stopWorkers) await stopWorkers();
    stopWorkers = null;

    const t = await makeTenant({ balancePaise: 200_000, feePaise: 20 });
    await setChannel(t.channel.id, 200);
    const templateId = await makeTemplate(t);
    await makeContacts(t.orgId, 5000, "crash", "0");
    const first = startWorker();
    const id = await launch(t, templateId, "crash");

    await waitFor(() => Promise.resolve(sentTo(t).length), (n) => n >= 2500, 120_000, 20);
    first.kill("SIGKILL");
    await new Promise<void>((r) => (first.exitCode !== null ? r() : first.once("exit", () => r())));
    const atKill = sentTo(t).length;
    expect(atKill).toBeLessThan(5000);
    const mid = await campaignState(id);
    expect(mid.status).toBe("running");

    startWorker();
    const done = await waitFor(() => campaignState(id), (s) => s.status === "completed", 180_000, 250);
    // None skipped or lost: every recipient has its message.
    expect(done.recipients.skipped ?? 0).toBe(0);
    expect(done.recipients.queued ?? 0).toBe(0);
    const unrecorded = await withService((db) =>
      db.query<{ n: number }>("select count(*)::int as n from public.campaign_recipients where campaign_id = $1 and message_id is null", [id]),
    );
    expect(unrecorded.rows[0].n).toBe(0);

    // No recipient sent twice: one message each, one Graph call per number at most.
    expect(await messagesPerRecipient(id)).toEqual({ 1: 5000 });
    const calls = sentTo(t);
    const perNumber = new Map<string, number>();
    for (const c of calls) perNumber.set(c.to, (perNumber.get(c.to) ?? 0) + 1);
    expect(Math.max(...perNumber.values())).toBe(1);
    // Calls in flight when the process died (answer lost, or prepared but never called) are the
    // only ones not marked sent; each is marked as attempted, so the reconciler refunds it after
    // the grace period (unless Meta's status webhook ties it to a wamid first) and never resends it.
    const byStatus = await withService((db) =>
      db.query<{ status: string; n: number; started: number }>(
        "select status, count(*)::int as n, count(attempt_started_at)::int as started from public.messages where campaign_id = $1 group by status",
        [id],
      ),
    );
    const statuses = Object.fromEntries(byStatus.rows.map((r) => [r.status, r]));
    const pending = statuses.pending?.n ?? 0;
    expect(pending).toBeLessThan(5000);
    expect(statuses.pending?.started ?? 0).toBe(pending);
    expect(perNumber.size).toBeGreaterThanOrEqual(5000 - pending);

    // Charged exactly once each; the balance is the ledger.
    const l = await ledgerTotals(t.orgId, id);
    expect(l.debits).toBe(5000 * 20);
    expect(l.refunds).toBe(0);
    expect(l.balance).toBe(l.ledger);
    expect(l.balance).toBe(200_000 - 5000 * 20);

    // What the send reconciler does with them after the grace period (refund, never resend), done
    // here for this organization only: the reconciler's sweep is global, and other test files
    // running alongside drain it for their own messages.
    const stuck = await withService((db) =>
      db.query<{ id: string }>("select id from public.messages where campaign_id = $1 and status = 'pending' and attempt_started_at is not null", [id]),
    );
    for (const m of stuck.rows) await failMessage(m.id, null, "No answer from Meta (the sending process stopped); refunded", true);
    const settled = await ledgerTotals(t.orgId, id);
    expect(settled.refunds).toBe(stuck.rows.length * 20);
    expect(settled.balance).toBe(settled.ledger);
    expect(settled.kept).toBe(settled.debits - settled.refunds);
  }, 400_000);
});
