export interface Conversation {
  contact: { id: string; wa_id: string; name: string | null; profile_name: string | null; opted_out: boolean; tags: string[] };
  last_message: { id: string; direction: string; type: string; status: string; text: string | null; created_at: string } | null;
  last_message_at: string;
  unread_count: number;
  window_open: boolean;
}

export interface ThreadMessage {
  id: string;
  direction: "inbound" | "outbound";
  type: string;
  status: string;
  text: string | null;
  content: Record<string, unknown>;
  fee_paise: number;
  error: { code: number | null; title: string | null } | null;
  created_at: string;
}

export interface Thread {
  contact: Conversation["contact"] & { phone_e164: string | null };
  window: { open: boolean; expires_at: string | null };
  /** The channel the conversation goes on (the composer sends from it); null without any channel. */
  channel: { id: string; waba_id: string; display_phone_number: string | null; status: string } | null;
  data: ThreadMessage[];
  has_more: boolean;
}
