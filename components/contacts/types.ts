import { formatPhone } from "./format";

/** A contact as the API returns it (dates as ISO strings). */
export interface ContactDto {
  id: string;
  wa_id: string;
  phone_e164: string | null;
  name: string | null;
  profile_name: string | null;
  tags: string[];
  attributes: Record<string, string | number | boolean>;
  opted_out: boolean;
  opted_out_at: string | null;
  last_inbound_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface ContactPage {
  data: ContactDto[];
  next_cursor: string | null;
}

export interface TagCount {
  tag: string;
  count: number;
}

/** What to call a contact: their saved name, else their WhatsApp profile name, else their number. */
export const displayName = (c: Pick<ContactDto, "name" | "profile_name" | "phone_e164" | "wa_id">) =>
  c.name || c.profile_name || formatPhone(c.phone_e164, c.wa_id);

export const PAGE_SIZE = 25;

/** The first page's key, so the server-rendered page can hand SWR its data. */
export function firstPageKey(): string {
  return `/api/contacts?limit=${PAGE_SIZE}`;
}
