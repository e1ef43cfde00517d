import { controlHandler } from "@/lib/campaigns/http";

export const POST = controlHandler("pause");
