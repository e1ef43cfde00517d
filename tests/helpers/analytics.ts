import { randomUUID } from "node:crypto";
import type { Db } from "../../lib/db/tx";
import { withService } from "../../lib/db/tx";
import { debit, refund } from "../../lib/wallet/wallet";

export async function makeChannel(orgId: string, name: string): Promise<string> {
  return withService(async (db) => {
    const { rows } = await db.query<{ id: string }>(
      `insert into public.channels (org_id, phone_number_id, waba_id, display_phone_number, verified_name)
       values ($1, $2, 'waba-test', $3, $4) returning id`,
      [orgId, `pn-${randomUUID()}`, `+91 98${String(Math.floor(Math.random() * 1e8)).padStart(8, "0")}`, name],
    );
    return rows[0].id;
  });
}

export type Status = "pending" | "sent" | "delivered" | "read" | "failed";
const PATH: Status[] = ["pending", "sent", "delivered", "read"];

/**
 * An outbound message that walks the real path: inserted pending with its fee debited from the
 * wallet, then moved forward one status at a time (each move an UPDATE, as the webhook does), and
 * when refunded, refunded in the ledger and flagged on the message (as send_fail / the webhook do).
 */
export async function sendMessage(
  db: Db,
  m: { orgId: string; channelId: string | null; createdAt: string; status: Status; feePaise?: number; refunded?: boolean },
): Promise<string> {
  const fee = m.feePaise ?? 20;
  const id = randomUUID();
  if (fee > 0) {
    const d = await debit(db, { orgId: m.orgId, amountPaise: fee, reference: `msg:${id}`, messageId: id });
    if (!d.ok) throw new Error(`debit failed: ${d.status}`);
  }
  await db.query(
    `insert into public.messages (id, org_id, channel_id, direction, type, status, fee_paise, created_at)
     values ($1, $2, $3, 'outbound', 'text', 'pending', $4, $5)`,
    [id, m.orgId, m.channelId, fee, m.createdAt],
  );
  const steps = m.status === "failed" ? ["sent", "failed"] : PATH.slice(1, PATH.indexOf(m.status) + 1);
  for (const s of steps) await db.query("update public.messages set status = $2, updated_at = now() where id = $1", [id, s]);
  if (m.refunded) {
    const r = await refund(db, { debitReference: `msg:${id}` });
    if (!r.ok) throw new Error(`refund failed: ${r.status}`);
    await db.query("update public.messages set refunded = true where id = $1", [id]);
  }
  return id;
}

export async function receiveMessage(db: Db, m: { orgId: string; channelId: string | null; createdAt: string }) {
  await db.query(
    `insert into public.messages (org_id, channel_id, direction, type, status, created_at)
     values ($1, $2, 'inbound', 'text', 'received', $3)`,
    [m.orgId, m.channelId, m.createdAt],
  );
}
