import { requireOrgCaller, type OrgCaller } from "../auth/caller";
import { withCaller } from "../db/as-caller";
import { readJson, readText } from "../http/errors";
import { handler } from "../http/route";
import { logger } from "../log";
import {
  campaignProgress,
  controlCampaign,
  createCampaign,
  createCampaignSchema,
  getCampaign,
  launchCampaign,
  launchSchema,
  listCampaigns,
  listCampaignsQuery,
  REPORT_COLUMNS,
  REPORT_PAGE,
  reportCsvLines,
  reportPage,
  type Control,
} from "./campaigns";
import { CSV_MAX_BYTES } from "./audience";
import { enqueueCampaignRun } from "./queue";

// The campaign API handlers (app/api/v1/campaigns/**), framework-free: the route files only
// re-export them. The organization comes from the caller; writes need owner or admin (or an API key).

type IdCtx = { params: Promise<{ id: string }> };
const WRITE = { roles: ["owner" as const, "admin" as const] };

async function enqueue(e: { id: string; startAfter: Date | null } | null) {
  if (!e) return;
  // The worker's sweep queues any running campaign without a live worker, so a failure here only delays the start.
  await enqueueCampaignRun(e.id, e.startAfter ?? undefined).catch((err: unknown) =>
    logger.warn({ campaignId: e.id, err: (err as Error).message }, "campaign enqueue failed; the sweep will queue it"),
  );
}

const scoped = (caller: OrgCaller) => (caller.kind === "user" ? caller.claims.sub : null);

export const listHandler = handler(async (req) => {
  const caller = await requireOrgCaller(req);
  const q = listCampaignsQuery.parse(Object.fromEntries(new URL(req.url).searchParams));
  return Response.json({ data: await withCaller(caller, (db) => listCampaigns(db, caller.orgId, q)) });
});

export const createHandler = handler(async (req) => {
  const caller = await requireOrgCaller(req, WRITE);
  const input = createCampaignSchema.parse(await readJson(req, CSV_MAX_BYTES + 64 * 1024));
  const result = await withCaller(caller, (db) => createCampaign(db, caller.orgId, scoped(caller), input));
  await enqueue(result.enqueue);
  if (!result.campaign) return Response.json({ quote: result.quote });
  return Response.json({ data: result.campaign, quote: result.quote }, { status: 201 });
});

export const getHandler = handler<{ id: string }>(async (req, ctx: IdCtx) => {
  const caller = await requireOrgCaller(req);
  const { id } = await ctx.params;
  return Response.json({ data: await withCaller(caller, (db) => getCampaign(db, caller.orgId, id)) });
});

export const launchHandler = handler<{ id: string }>(async (req, ctx: IdCtx) => {
  const caller = await requireOrgCaller(req, WRITE);
  const { id } = await ctx.params;
  const text = await readText(req, 4096);
  const input = launchSchema.parse(text.trim() ? await readJson(new Request(req.url, { method: "POST", body: text })) : {});
  const result = await withCaller(caller, (db) => launchCampaign(db, caller.orgId, id, input));
  await enqueue(result.enqueue);
  return Response.json({ data: result.campaign, quote: result.quote });
});

export const controlHandler = (action: Control) =>
  handler<{ id: string }>(async (req, ctx: IdCtx) => {
    const caller = await requireOrgCaller(req, WRITE);
    const { id } = await ctx.params;
    const result = await withCaller(caller, (db) => controlCampaign(db, caller.orgId, id, action));
    await enqueue(result.enqueue);
    const progress = await withCaller(caller, (db) => campaignProgress(db, caller.orgId, id));
    return Response.json({ data: { ...result.campaign, progress } });
  });

export const reportHandler = handler<{ id: string }>(async (req, ctx: IdCtx) => {
  const caller = await requireOrgCaller(req);
  const { id } = await ctx.params;
  const campaign = await withCaller(caller, (db) => getCampaign(db, caller.orgId, id)); // 404 before streaming
  const enc = new TextEncoder();
  let after = 0;
  let first = true;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (first) {
        first = false;
        controller.enqueue(enc.encode("\uFEFF" + REPORT_COLUMNS.join(",") + "\n"));
        return;
      }
      const rows = await withCaller(caller, (db) => reportPage(db, caller.orgId, id, after, REPORT_PAGE));
      if (!rows.length) return controller.close();
      after = rows[rows.length - 1].seq;
      controller.enqueue(enc.encode(reportCsvLines(rows) + "\n"));
    },
  });
  const safe = campaign.name.replace(/[^A-Za-z0-9_-]+/g, "-").slice(0, 40) || "campaign";
  return new Response(stream, {
    headers: { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="campaign-${safe}-report.csv"`, "cache-control": "no-store" },
  });
});
