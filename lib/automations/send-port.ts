import type { AutoReplySend } from "./auto-reply";

// The one place auto-replies reach the send pipeline (lib/messaging/send.ts, branch `send`).
// Until that branch is merged there is nothing to call: the reply attempt fails as retryable and
// the webhook sweep tries again later.
export const sendAutoReply: AutoReplySend = async () => {
  throw new Error("The send pipeline (lib/messaging/send.ts) is not available yet");
};
