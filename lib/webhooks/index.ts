// Outbound webhooks to tenants' systems. Other services need only emitEvent and eventIds.
export { emitEvent, eventIds, WEBHOOK_EVENT_TYPES, TEST_EVENT_TYPE } from "./events";
export type { WebhookEvent, WebhookEventType, MessageReceivedData, MessageStatusData, WalletLowBalanceData } from "./events";
export { verifyWebhookSignature, computeSignature } from "./signature";
export { sendTestEvent } from "./endpoints";
