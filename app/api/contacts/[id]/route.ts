import { deleteHandler, getHandler, updateHandler } from "../handlers";

export const GET = getHandler;
export const PATCH = updateHandler;
export const DELETE = deleteHandler;
