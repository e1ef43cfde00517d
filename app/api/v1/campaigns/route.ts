import { createHandler, listHandler } from "@/lib/campaigns/http";

export const dynamic = "force-dynamic";
export const GET = listHandler;
export const POST = createHandler;
