import { deleteHandler, getHandler, updateHandler } from "@/app/api/contacts/handlers";

export const GET = getHandler;
export const PATCH = updateHandler;
export const DELETE = deleteHandler;
