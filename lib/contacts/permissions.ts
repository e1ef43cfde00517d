import type { OrgCaller } from "../auth/caller";
import { ApiError } from "../http/errors";
import type { CreateContactInput, UpdateContactInput } from "./schema";

// Who may do what with contacts. Agents work with people day to day: they may view contacts,
// add them and change names and tags. Custom attributes, the opt-out (a consent record),
// deletion, import and export are for owners, admins and API keys.

export const CONTACT_ADMIN_ROLES = ["owner", "admin"] as const;

export function isContactAdmin(caller: OrgCaller): boolean {
  return caller.kind === "api_key" || caller.role === "owner" || caller.role === "admin";
}

/** 403 when an agent tries to set fields only owners and admins may change. */
export function assertMayWrite(caller: OrgCaller, input: CreateContactInput | UpdateContactInput): void {
  if (isContactAdmin(caller)) return;
  const restricted = (["attributes", "opted_out"] as const).filter((k) => input[k] !== undefined);
  if (restricted.length) {
    throw new ApiError(403, "forbidden", `Agents can change names and tags only; ask an owner or admin to change ${restricted.join(" and ")}.`);
  }
}
