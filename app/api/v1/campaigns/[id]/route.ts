import { getHandler } from "@/lib/campaigns/http";

export const dynamic = "force-dynamic";
export const GET = getHandler;
