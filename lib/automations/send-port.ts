import { sendMessage } from "../messaging/send";
import type { AutoReplySend } from "./auto-reply";

// The one place auto-replies reach the send pipeline. sendMessage charges the fee, refunds per
// policy, and answers a second call for the same inbound message (reply_to_message_id is unique)
// with the first result, charging nothing.
export const sendAutoReply: AutoReplySend = (input) => sendMessage(input);
