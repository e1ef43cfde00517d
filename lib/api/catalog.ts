import { z } from "zod";
import { createCampaignSchema, launchSchema, listCampaignsQuery } from "../campaigns/campaigns";
import { createContactSchema, listContactsQuerySchema, updateContactSchema } from "../contacts/schema";
import { listMessagesQuery } from "../messaging/messages";
import { outboundMessageSchema, sendRequestSchema } from "../messaging/outbound";
import { createTemplateSchema, listTemplatesQuerySchema, syncTemplatesSchema, TEMPLATE_STATUSES } from "../templates/schema";
import { listTransactionsQuery } from "../wallet/statement";
import { buildOpenApi, type Operation } from "./openapi";

// The public API (/api/v1), described from the schemas the routes parse with. A test checks that
// every exported method of every app/api/v1 route appears here, and that the document validates.

const id = z.object({ id: z.string().uuid().describe("The object's id") });

const message = z.object({
  id: z.string().uuid(),
  wamid: z.string().nullable().describe("Meta's message id"),
  direction: z.enum(["inbound", "outbound"]),
  status: z.enum(["pending", "sent", "delivered", "read", "failed", "received"]),
  type: z.string(),
  text: z.string().nullable(),
  contact: z.object({ id: z.string().uuid().nullable(), wa_id: z.string().nullable() }).partial().optional(),
  fee_paise: z.number().int(),
  error: z.object({ code: z.number().int().nullable(), title: z.string().nullable() }).nullable(),
  created_at: z.string().datetime(),
});

const sendResult = z.object({
  id: z.string().uuid(),
  wamid: z.string().nullable(),
  status: z.string(),
  fee_paise: z.number().int().describe("The service fee charged for this message, in paise"),
  balance_paise: z.number().int().describe("The wallet balance after the charge, in paise"),
});

const contact = z.object({
  id: z.string().uuid(),
  wa_id: z.string(),
  phone_e164: z.string().nullable(),
  name: z.string().nullable(),
  tags: z.array(z.string()),
  attributes: z.record(z.string(), z.unknown()),
  opted_out: z.boolean(),
  created_at: z.string().datetime(),
});

const transaction = z.object({
  id: z.number().int(),
  kind: z.enum(["credit", "debit", "refund", "adjustment", "payment_refund"]),
  amount_paise: z.number().int().describe("Signed: credits positive, debits negative"),
  balance_after_paise: z.number().int(),
  description: z.string().nullable(),
  created_at: z.string().datetime(),
});

const template = z.object({
  id: z.string().uuid(),
  waba_id: z.string().describe("The WhatsApp Business Account the template belongs to"),
  meta_template_id: z.string().nullable().describe("Meta's template id"),
  name: z.string(),
  language: z.string(),
  category: z.enum(["MARKETING", "UTILITY", "AUTHENTICATION"]),
  status: z.enum(TEMPLATE_STATUSES),
  rejected_reason: z.string().nullable(),
  components: z.array(z.record(z.string(), z.unknown())).describe("Meta's components: HEADER, BODY, FOOTER, BUTTONS"),
  synced_at: z.string().datetime().nullable(),
  created_at: z.string().datetime(),
  updated_at: z.string().datetime(),
});

const quote = z.object({
  recipients: z.number().int().describe("Recipients that will be sent to (after opt-outs, missing variables and duplicates)"),
  skipped: z.object({ opted_out: z.number().int(), missing_variable: z.number().int(), duplicates: z.number().int(), rejected_rows: z.number().int() }),
  fee_paise: z.number().int().describe("The service fee per message"),
  total_fee_paise: z.number().int().describe("fee_paise × recipients"),
  balance_paise: z.number().int(),
  affordable_recipients: z.number().int().describe("How many the wallet covers now"),
  can_afford_all: z.boolean(),
});

const progress = z.object({
  total: z.number().int(),
  queued: z.number().int(),
  sending: z.number().int(),
  sent: z.number().int(),
  delivered: z.number().int(),
  read: z.number().int(),
  failed: z.number().int(),
  skipped: z.number().int(),
  fees_paise: z.number().int().describe("Fees kept for this campaign's messages"),
  refunded_paise: z.number().int(),
});

const campaign = z.object({
  id: z.string().uuid(),
  name: z.string(),
  status: z.enum(["draft", "scheduled", "running", "paused", "completed", "cancelled"]),
  channel_id: z.string().uuid().nullable(),
  template_id: z.string().uuid().nullable(),
  template_name: z.string(),
  blocked_reason: z.string().nullable().describe("Why a running or paused campaign is waiting (messaging-limit tier, wallet)"),
  scheduled_at: z.string().datetime().nullable(),
  recipient_count: z.number().int(),
  created_at: z.string().datetime(),
});

const campaignControl = (action: "pause" | "resume" | "cancel", summary: string) => ({
  method: "post" as const,
  path: `/api/v1/campaigns/{id}/${action}`,
  operationId: `${action}Campaign`,
  tag: "Campaigns",
  summary,
  params: id,
  responses: {
    200: { description: "The campaign with its progress", schema: z.object({ data: campaign.extend({ progress }) }) },
    404: { description: "No such campaign" },
    409: { description: "Not possible in the campaign's current status" },
  },
});

const list = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item), next_cursor: z.string().nullable() });

export const operations: Operation[] = [
  {
    method: "post",
    path: "/api/v1/messages",
    operationId: "sendMessage",
    tag: "Messages",
    summary: "Send a WhatsApp message",
    description:
      "Meta's own body shape (text, template, image/document/audio/video by link or id, interactive). The organization's service fee is charged from the wallet before sending and refunded when we or Meta fail. Free-form messages need an open 24-hour customer service window; otherwise send a template.",
    headers: z.object({
      "Idempotency-Key": z.string().max(255).optional().describe("Same key and body returns the first result and charges once; same key with another body is a 409"),
    }),
    body: z.intersection(sendRequestSchema, outboundMessageSchema),
    responses: {
      201: { description: "Sent (a repeated Idempotency-Key answers with the first request's result and status)", schema: sendResult },
      202: { description: "Charged and pending: Meta did not answer yet (a retry is scheduled, or the outcome is unknown and settled later)", schema: sendResult },
      402: { description: "The wallet balance is lower than the fee; nothing was sent or charged" },
      403: { description: "The organization is suspended" },
      404: { description: "channel_id is not one of the organization's channels, or template_not_found: no such template (name and language) for the channel's WABA" },
      409: { description: "Idempotency-Key reused with another body, or template_not_approved: the template is not APPROVED" },
      422: {
        description:
          "The 24-hour window is closed (use a template), the contact opted out, or template_params_invalid: the parameters do not match the template (e.g. body expects 2 parameters, got 1). Nothing is charged.",
      },
    },
  },
  {
    method: "get",
    path: "/api/v1/messages",
    operationId: "listMessages",
    tag: "Messages",
    summary: "List messages, newest first",
    query: listMessagesQuery,
    responses: { 200: { description: "A page of messages", schema: list(message) } },
  },
  {
    method: "get",
    path: "/api/v1/messages/{id}",
    operationId: "getMessage",
    tag: "Messages",
    summary: "Get one message",
    params: id,
    responses: { 200: { description: "The message", schema: message }, 404: { description: "No such message in this organization" } },
  },
  {
    method: "get",
    path: "/api/v1/wallet",
    operationId: "getWallet",
    tag: "Wallet",
    summary: "The wallet balance and the fee per message",
    responses: {
      200: {
        description: "Balance, fee and low-balance threshold, in paise",
        schema: z.object({ balance_paise: z.number().int(), fee_paise: z.number().int(), low_balance_threshold_paise: z.number().int() }),
      },
    },
  },
  {
    method: "get",
    path: "/api/v1/wallet/transactions",
    operationId: "listWalletTransactions",
    tag: "Wallet",
    summary: "The wallet ledger, newest first",
    query: listTransactionsQuery,
    responses: { 200: { description: "A page of ledger entries", schema: list(transaction) } },
  },
  {
    method: "get",
    path: "/api/v1/contacts",
    operationId: "listContacts",
    tag: "Contacts",
    summary: "List contacts (search, tags, opted-out)",
    query: listContactsQuerySchema,
    responses: { 200: { description: "A page of contacts", schema: list(contact) } },
  },
  {
    method: "post",
    path: "/api/v1/contacts",
    operationId: "createContact",
    tag: "Contacts",
    summary: "Create a contact",
    body: createContactSchema,
    responses: { 201: { description: "Created", schema: z.object({ data: contact }) }, 409: { description: "A contact with this number exists" } },
  },
  {
    method: "get",
    path: "/api/v1/contacts/{id}",
    operationId: "getContact",
    tag: "Contacts",
    summary: "Get one contact",
    params: id,
    responses: { 200: { description: "The contact", schema: z.object({ data: contact }) }, 404: { description: "No such contact" } },
  },
  {
    method: "patch",
    path: "/api/v1/contacts/{id}",
    operationId: "updateContact",
    tag: "Contacts",
    summary: "Update a contact's name, tags, attributes or opt-out",
    params: id,
    body: updateContactSchema,
    responses: { 200: { description: "The updated contact", schema: z.object({ data: contact }) }, 404: { description: "No such contact" } },
  },
  {
    method: "delete",
    path: "/api/v1/contacts/{id}",
    operationId: "deleteContact",
    tag: "Contacts",
    summary: "Delete a contact",
    params: id,
    responses: { 204: { description: "Deleted" }, 404: { description: "No such contact" } },
  },
  {
    method: "get",
    path: "/api/v1/templates",
    operationId: "listTemplates",
    tag: "Templates",
    summary: "List message templates (filter by status, name, WABA or channel's WABA)",
    description:
      "By name, then language. Deleted templates are left out unless status=DELETED is asked for. `limit` per page (default 50, at most 200); pass `next_cursor` as `cursor` for the next page; it is null on the last page. A cursor this route did not return gets 400 invalid_cursor.",
    query: listTemplatesQuerySchema,
    responses: { 200: { description: "A page of templates", schema: list(template) } },
  },
  {
    method: "post",
    path: "/api/v1/templates",
    operationId: "createTemplate",
    tag: "Templates",
    summary: "Create a message template at Meta (owners, admins, API keys)",
    description:
      "Meta's shape: name (lowercase, digits, underscores), category, language and components. Variables are {{1}}, {{2}}, … with example values. The template is PENDING until Meta approves or rejects it (the status webhook updates it). channel_id picks the channel whose WABA gets it; the default channel otherwise.",
    body: createTemplateSchema,
    responses: {
      201: { description: "Created at Meta and stored", schema: z.object({ data: template }) },
      403: { description: "Agents cannot manage templates" },
      409: { description: "A template with this name and language exists" },
      422: { description: "No connected channel, or Meta refused the template" },
      429: {
        description:
          "template_creation_limited: WhatsApp allows 100 new templates per WhatsApp Business Account per hour (or this API key's own rate limit, rate_limited); retry after Retry-After seconds when given",
        headers: { "Retry-After": "Seconds until a new template can be created, when known" },
      },
    },
  },
  {
    method: "get",
    path: "/api/v1/campaigns",
    operationId: "listCampaigns",
    tag: "Campaigns",
    summary: "List campaigns, newest first",
    query: listCampaignsQuery,
    responses: { 200: { description: "Campaigns", schema: z.object({ data: z.array(campaign) }) } },
  },
  {
    method: "post",
    path: "/api/v1/campaigns",
    operationId: "createCampaign",
    tag: "Campaigns",
    summary: "Quote, save (draft) or launch a campaign",
    description:
      "An APPROVED template, its body variables mapped from contact fields (name, phone, attributes.<key>) or static text, and an audience (tags, all contacts, or a CSV with a phone column). action=quote answers the recipient count and total fee without writing; launch refuses with 402 when the wallet cannot pay for every recipient unless mode=affordable (then the first recipients it covers are sent and the rest skipped). Opted-out contacts are skipped and reported.",
    body: createCampaignSchema,
    responses: {
      200: { description: "The quote (action=quote)", schema: z.object({ quote }) },
      201: { description: "The campaign and its quote", schema: z.object({ data: campaign, quote }) },
      402: { description: "The wallet cannot pay for every recipient (details.quote says how many it can)" },
      404: { description: "No such template or channel" },
      422: { description: "Template not approved, variable count mismatch, bad audience, or no one to send to" },
    },
  },
  {
    method: "get",
    path: "/api/v1/templates/{id}",
    operationId: "getTemplate",
    tag: "Templates",
    summary: "Get one template",
    params: id,
    responses: { 200: { description: "The template", schema: z.object({ data: template }) }, 404: { description: "No such template" } },
  },
  {
    method: "delete",
    path: "/api/v1/templates/{id}",
    operationId: "deleteTemplate",
    tag: "Templates",
    summary: "Delete a template at Meta (this language); it stays listed as DELETED",
    params: id,
    responses: { 204: { description: "Deleted" }, 403: { description: "Agents cannot manage templates" }, 404: { description: "No such template" } },
  },
  {
    method: "post",
    path: "/api/v1/templates/sync",
    operationId: "syncTemplates",
    tag: "Templates",
    summary: "Sync templates from Meta (one channel's WABA, or all connected channels)",
    body: syncTemplatesSchema,
    responses: {
      200: {
        description: "What each WABA's sync did",
        schema: z.object({ data: z.array(z.object({ waba_id: z.string(), fetched: z.number().int(), pages: z.number().int(), deleted: z.number().int() })) }),
      },
    },
  },
  {
    method: "get",
    path: "/api/v1/campaigns/{id}",
    operationId: "getCampaign",
    tag: "Campaigns",
    summary: "A campaign with its live progress",
    params: id,
    responses: { 200: { description: "The campaign", schema: z.object({ data: campaign.extend({ progress }) }) }, 404: { description: "No such campaign" } },
  },
  {
    method: "post",
    path: "/api/v1/campaigns/{id}/launch",
    operationId: "launchCampaign",
    tag: "Campaigns",
    summary: "Launch a draft campaign (now or at scheduled_at)",
    params: id,
    body: launchSchema,
    responses: {
      200: { description: "The launched campaign and its quote", schema: z.object({ data: campaign, quote }) },
      402: { description: "The wallet cannot pay for every recipient and mode is not affordable" },
      404: { description: "No such campaign" },
      409: { description: "Not a draft" },
    },
  },
  campaignControl("pause", "Pause a running or scheduled campaign (stops claiming recipients)"),
  campaignControl("resume", "Resume a paused campaign"),
  campaignControl("cancel", "Cancel a campaign; recipients not yet sent are skipped"),
  {
    method: "get",
    path: "/api/v1/campaigns/{id}/report.csv",
    operationId: "campaignReportCsv",
    tag: "Campaigns",
    summary: "Per-recipient report as CSV (status, failure reason, fee, refunded, timestamps)",
    params: id,
    responses: { 200: { description: "text/csv" }, 404: { description: "No such campaign" } },
  },
  {
    method: "get",
    path: "/api/v1/openapi.json",
    operationId: "getOpenApi",
    tag: "Reference",
    summary: "This document",
    responses: { 200: { description: "The OpenAPI 3.1 document" } },
  },
];

export function openApiDocument(serverUrl: string) {
  return buildOpenApi(operations, {
    title: "WA Platform API",
    version: "1.0.0",
    description:
      "Send WhatsApp messages and read messages, contacts and the wallet as your organization. Authenticate with an API key from Settings → API keys. Money is always integer paise (₹1 = 100). Errors are JSON: {\"error\": {\"code\", \"message\"}}. Each API key is rate limited (default 100 requests a second with bursts of 200; the operator can set a key's own limit): answers carry X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset, and a request over the limit gets 429 rate_limited with Retry-After.",
    serverUrl,
  });
}
