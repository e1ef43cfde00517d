import { createHandler, listHandler } from "@/app/api/contacts/handlers";

// Public API: the same handlers as the dashboard, for API keys (and sessions).
export const GET = listHandler;
export const POST = createHandler;
