/**
 * npm run analytics:sample — fills the demo organization with 90 days of sample message history
 * (two channels, every status, refunds, inbound) so the analytics page has something to show.
 * Development only: joins the database of a running `npm run dev` (DATA_DIR/runtime.json) or
 * DATABASE_URL. Fees go through the wallet's own SQL functions (debit per message, refund for
 * refundable failures) after a sample recharge, so the ledger stays consistent.
 */
import pg from "pg";
import { DEMO } from "../lib/seed/demo";
import { readRuntime } from "../lib/runtime/local";

const url = process.env.DATABASE_URL ?? readRuntime()?.databaseUrl;
if (!url) {
  console.error("Start `npm run dev` first (or set DATABASE_URL).");
  process.exit(1);
}
if (process.env.NODE_ENV === "production") {
  console.error("Refusing to add sample data with NODE_ENV=production.");
  process.exit(1);
}

const client = new pg.Client({ connectionString: url });
await client.connect();
try {
  await client.query("begin");
  const org = await client.query<{ id: string }>(
    `select m.org_id as id from public.memberships m join auth.users u on u.id = m.user_id
     where lower(u.email) = lower($1) order by m.created_at limit 1`,
    [DEMO.ownerEmail],
  );
  const orgId = org.rows[0]?.id;
  if (!orgId) throw new Error(`No organization for ${DEMO.ownerEmail}; run npm run dev once to seed it.`);
  const marker = await client.query("select 1 from public.wallet_transactions where reference = $1", [`sample-recharge:${orgId}:1`]);
  if (marker.rowCount) {
    console.log("Sample analytics data is already there.");
    await client.query("rollback");
  } else {
    for (const [i, name, phone] of [
      [1, "Demo Traders Sales", "+91 90000 11111"],
      [2, "Demo Traders Support", "+91 90000 22222"],
    ] as const) {
      await client.query(
        `insert into public.channels (org_id, mode, phone_number_id, waba_id, display_phone_number, verified_name, status)
         values ($1, 'sandbox', $2, 'sample-waba', $3, $4, 'connected') on conflict (phone_number_id) do nothing`,
        [orgId, `sample-${orgId}-${i}`, phone, name],
      );
    }
    for (const [n, amount] of [[1, 150_000], [2, 100_000]]) {
      await client.query("select * from private.wallet_credit($1, $2, $3, 'credit', 'Sample recharge', null, null)", [
        orgId,
        amount,
        `sample-recharge:${orgId}:${n}`,
      ]);
    }
    // Weekday-heavy volume that grows over the 90 days; statuses and refunds in realistic shares.
    const { rows } = await client.query<{ n: number }>(
      `with ch as (select array_agg(id order by phone_number_id) ids from public.channels where org_id = $1 and phone_number_id like 'sample-%'),
       plan as (
         select d, g, random() r1, random() r2, random() r3
         from generate_series(0, 89) d,
              generate_series(1, (20 + (89 - d) / 2 + case when extract(isodow from now() - d * interval '1 day') < 6 then 25 else 0 end)::int) g
       ),
       msgs as (
         select gen_random_uuid() id, ch.ids[case when r1 < 0.7 then 1 else 2 end] channel_id,
                case when r2 < 0.28 then 'inbound' else 'outbound' end direction,
                case when r2 < 0.28 then 'received' when r2 < 0.62 then 'read' when r2 < 0.86 then 'delivered'
                     when r2 < 0.93 then 'sent' else 'failed' end status,
                r3 < 0.5 refundable,
                date_trunc('day', now() - d * interval '1 day') + (8 + r1 * 13) * interval '1 hour' created_at
         from plan, ch
       ),
       charged as (
         select m.*, case when m.direction = 'outbound'
                          then (private.wallet_debit($1, 20, 'msg:' || m.id, 'Message fee', m.id)).transaction_id end debit_id
         from msgs m
       ),
       refunded as (
         select c.*, c.status = 'failed' and c.refundable
                     and (private.wallet_refund('msg:' || c.id, null, 'Refund: message not sent')).ok as refunded
         from charged c
       )
       insert into public.messages (id, org_id, channel_id, direction, type, status, text, fee_paise,
                                    refunded, created_at, sent_at, delivered_at, read_at, failed_at)
       select id, $1, channel_id, direction, 'text', status, 'Sample message', case when direction = 'outbound' then 20 else 0 end,
              coalesce(refunded, false), least(created_at, now()),
              case when status in ('sent', 'delivered', 'read') then least(created_at, now()) end,
              case when status in ('delivered', 'read') then least(created_at, now()) end,
              case when status = 'read' then least(created_at, now()) end,
              case when status = 'failed' then least(created_at, now()) end
       from refunded
       returning 1`,
      [orgId],
    );
    await client.query("commit");
    console.log(`Added ${rows.length} sample messages on two sample channels to ${DEMO.orgName}. Open /analytics.`);
  }
} catch (err) {
  await client.query("rollback").catch(() => undefined);
  throw err;
} finally {
  await client.end();
}
