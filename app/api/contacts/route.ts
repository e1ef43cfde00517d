import { createHandler, listHandler } from "./handlers";

export const GET = listHandler;
export const POST = createHandler;
