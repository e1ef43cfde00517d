import { sendMessage } from "../messaging/send";
import type { AutoReplySend } from "./auto-reply";

// The one place auto-replies reach the send pipeline: charged, sent and refunded exactly like any
// message; a repeat for the same inbound message (reply_to_message_id is unique) charges nothing.
export const sendAutoReply: AutoReplySend = (input) => sendMessage(input);
