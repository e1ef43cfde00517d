import { launchHandler } from "@/lib/campaigns/http";

export const POST = launchHandler;
