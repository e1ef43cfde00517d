import { reportHandler } from "@/lib/campaigns/http";

export const dynamic = "force-dynamic";
export const GET = reportHandler;
