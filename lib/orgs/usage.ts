import type { Db } from "../db/tx";

export interface MonthUsage {
  messagesSent: number;
  messagesFailed: number;
  messagesReceived: number;
  feesPaidPaise: number;
  refundsPaise: number;
}

/**
 * This calendar month's usage for one organization: outbound and inbound messages and the net
 * service fees (debits less refunds). The month is India's (Asia/Kolkata), as every other day and
 * month on the platform, whatever the database session's time zone. Works as tenant (RLS) or
 * service role.
 */
export async function monthUsage(db: Db, orgId: string): Promise<MonthUsage> {
  const { rows } = await db.query<{ sent: number; failed: number; received: number; fees: number; refunds: number }>(
    `with month as (select date_trunc('month', now() at time zone 'Asia/Kolkata') at time zone 'Asia/Kolkata' as start)
     select
       (select count(*) from public.messages m, month where m.org_id = $1 and m.created_at >= month.start
          and m.direction = 'outbound' and m.status <> 'failed')::int as sent,
       (select count(*) from public.messages m, month where m.org_id = $1 and m.created_at >= month.start
          and m.direction = 'outbound' and m.status = 'failed')::int as failed,
       (select count(*) from public.messages m, month where m.org_id = $1 and m.created_at >= month.start
          and m.direction = 'inbound')::int as received,
       (select coalesce(-sum(t.amount_paise), 0) from public.wallet_transactions t, month
          where t.org_id = $1 and t.created_at >= month.start and t.kind = 'debit')::bigint as fees,
       (select coalesce(sum(t.amount_paise), 0) from public.wallet_transactions t, month
          where t.org_id = $1 and t.created_at >= month.start and t.kind = 'refund')::bigint as refunds`,
    [orgId],
  );
  const r = rows[0];
  return {
    messagesSent: r.sent,
    messagesFailed: r.failed,
    messagesReceived: r.received,
    feesPaidPaise: r.fees - r.refunds,
    refundsPaise: r.refunds,
  };
}
