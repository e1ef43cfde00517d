import { z } from "zod";
import { requirePlatformAdmin } from "@/lib/auth/caller";
import { withService } from "@/lib/db/tx";
import { handler } from "@/lib/http/route";
import { revenueByDay } from "@/lib/operator/operator";

export const GET = handler(async (req) => {
  await requirePlatformAdmin(req);
  const days = z.coerce.number().int().min(1).max(366).default(30).parse(new URL(req.url).searchParams.get("days") ?? undefined);
  return Response.json({ data: await withService((db) => revenueByDay(db, days)) });
});
