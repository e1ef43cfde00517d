import { matchRule, type MatchableRule } from "./match";

// Deciding whether an inbound message gets an auto-reply is pure (planAutoReply); sending it goes
// through the send pipeline, passed in as `send` so unit tests can inject a fake. The real one is
// lib/automations/send-port.ts.

/** The subset of sendMessage's input an auto-reply uses. */
export interface AutoReplyInput {
  orgId: string;
  channelId?: string;
  to: string;
  message: { type: "text"; text: { body: string } };
  /** The inbound message: messages.reply_to_message_id is unique, so a repeat charges and sends nothing. */
  replyToMessageId: string;
  source: "auto_reply";
}

export type AutoReplySend = (input: AutoReplyInput) => Promise<unknown>;

export interface InboundForReply {
  id: string;
  orgId: string;
  channelId: string | null;
  type: string;
  text: string | null;
  /** Meta's timestamp of the inbound message. */
  at: Date;
  contactWaId: string;
  contactOptedOut: boolean;
  /** STOP/START keywords change consent and never get an auto-reply. */
  isConsentKeyword: boolean;
}

export type AutoReplyRule = MatchableRule & { reply_text: string };

export type AutoReplyPlan<R extends AutoReplyRule> =
  | { send: true; rule: R; input: AutoReplyInput }
  | { send: false; reason: "not_text" | "opted_out" | "consent_keyword" | "outside_window" | "no_channel" | "no_match" };

/** Free-form replies are allowed only within 24 hours of the customer's message. */
export const REPLY_WINDOW_MS = 24 * 60 * 60 * 1000;

export function planAutoReply<R extends AutoReplyRule>(m: InboundForReply, rules: R[], now = new Date()): AutoReplyPlan<R> {
  if (m.type !== "text" || !m.text) return { send: false, reason: "not_text" };
  if (m.isConsentKeyword) return { send: false, reason: "consent_keyword" };
  if (m.contactOptedOut) return { send: false, reason: "opted_out" };
  if (now.getTime() - m.at.getTime() > REPLY_WINDOW_MS) return { send: false, reason: "outside_window" };
  if (!m.channelId) return { send: false, reason: "no_channel" };
  const rule = matchRule(rules, m.text);
  if (!rule) return { send: false, reason: "no_match" };
  return {
    send: true,
    rule,
    input: {
      orgId: m.orgId,
      channelId: m.channelId,
      to: m.contactWaId,
      message: { type: "text", text: { body: rule.reply_text } },
      replyToMessageId: m.id,
      source: "auto_reply",
    },
  };
}
