import type { SendResult } from "./send";

/** The API's answer for a send: 201 sent, 202 pending (retry or unknown outcome), 4xx/5xx failed. */
export function sendResultResponse(r: SendResult): Response {
  const body = {
    id: r.id,
    wamid: r.wamid,
    status: r.status,
    fee_paise: r.feePaise,
    balance_paise: r.balancePaise,
    refunded: r.refunded,
    to: r.waId,
    channel_id: r.channelId,
    contact_id: r.contactId,
    error: r.error,
  };
  const headers: Record<string, string> = r.duplicate ? { "idempotent-replayed": "true" } : {};
  if (r.status === "failed") {
    const by = r.error ? `${r.error.title}${r.error.code !== null ? ` (code ${r.error.code})` : ""}` : "unknown error";
    return Response.json(
      {
        error: {
          code: "message_failed",
          message: `WhatsApp did not accept the message: ${by}. ${r.refunded ? "The fee was refunded." : "The fee is kept: the platform did its part."}`,
          message_id: r.id,
          status: r.status,
          meta_error: r.error,
          refunded: r.refunded,
          fee_paise: r.feePaise,
          balance_paise: r.balancePaise,
        },
      },
      { status: r.refunded ? 502 : 422, headers },
    );
  }
  return Response.json(body, { status: r.status === "pending" ? 202 : 201, headers });
}
