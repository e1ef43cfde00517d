import type { Metadata } from "next";
import { requirePageOrg } from "@/app/_server/page-caller";
import { AnalyticsDashboard } from "@/components/analytics/analytics-dashboard";
import { analyticsChannels, orgAnalytics } from "@/lib/analytics/org";
import { analyticsQuerySchema } from "@/lib/analytics/range";
import { withTenant } from "@/lib/db/tx";
import { describeZodError } from "@/lib/http/errors";

export const metadata: Metadata = { title: "Analytics" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function AnalyticsPage({ searchParams }: { searchParams: SearchParams }) {
  const caller = await requirePageOrg();
  const sp = await searchParams;
  const one = (k: string) => (Array.isArray(sp[k]) ? sp[k][0] : sp[k]);
  const parsed = analyticsQuerySchema.safeParse({ from: one("from"), to: one("to"), channel_id: one("channel_id") });
  const { initial, channels, notice } = await withTenant(caller.claims, async (db) => {
    const channels = await analyticsChannels(db, caller.orgId);
    const q = parsed.success ? parsed.data : analyticsQuerySchema.parse({});
    const unknownChannel = q.channelId !== null && !channels.some((c) => c.id === q.channelId);
    const notice = !parsed.success
      ? `${describeZodError(parsed.error)}. Showing the last 30 days instead.`
      : unknownChannel
        ? "That channel is not in this organization; showing all channels."
        : null;
    const initial = await orgAnalytics(db, caller.orgId, unknownChannel ? { ...q, channelId: null } : q);
    return { initial, channels, notice };
  });
  return <AnalyticsDashboard key={notice ?? "ok"} initial={initial} channels={channels} notice={notice} />;
}
