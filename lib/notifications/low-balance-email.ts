import { env } from "../config/env";
import { withService } from "../db/tx";
import { sendMail } from "../email/mailer";
import { logger } from "../log";
import { formatPaise } from "../money/format";

const log = logger.child({ component: "low-balance-email" });

/** Give up on a notice after this many failed sends (the in-app notice still shows). */
export const MAX_EMAIL_ATTEMPTS = 5;

/**
 * Emails each new low-balance notice (one per crossing, recorded by the debit in SQL) to the
 * organization's owners and admins, then stamps emailed_at. Notices are claimed FOR UPDATE SKIP
 * LOCKED, so any number of workers can sweep at once without sending one twice. Returns how many
 * notices it handled.
 */
export async function emailLowBalanceNotices(limit = 20): Promise<number> {
  return withService(async (db) => {
    const { rows } = await db.query<{
      id: number;
      org_id: string;
      org_name: string;
      data: { balance_paise?: number; threshold_paise?: number };
      fee_paise: number;
    }>(
      `select n.id, n.org_id, o.name as org_name, n.data, o.service_fee_paise as fee_paise
       from public.notifications n join public.organizations o on o.id = n.org_id
       where n.kind = 'low_balance' and n.emailed_at is null and n.email_attempts < $2
         and n.created_at > now() - interval '2 days'
       order by n.id
       limit $1
       for update of n skip locked`,
      [limit, MAX_EMAIL_ATTEMPTS],
    );
    let handled = 0;
    for (const n of rows) {
      const { rows: admins } = await db.query<{ email: string }>(
        `select p.email from public.memberships m join public.profiles p on p.user_id = m.user_id
         where m.org_id = $1 and m.role in ('owner', 'admin') order by m.created_at`,
        [n.org_id],
      );
      try {
        if (admins.length) await sendMail(lowBalanceMail(n.org_name, n.data, n.fee_paise, admins.map((a) => a.email)));
        await db.query("update public.notifications set emailed_at = now(), email_error = null where id = $1", [n.id]);
        handled++;
      } catch (err) {
        log.error({ notificationId: n.id, orgId: n.org_id, err: (err as Error).message }, "low-balance email failed");
        await db.query(
          "update public.notifications set email_attempts = email_attempts + 1, email_error = $2 where id = $1",
          [n.id, (err as Error).message.slice(0, 500)],
        );
      }
    }
    return handled;
  });
}

export function lowBalanceMail(
  orgName: string,
  data: { balance_paise?: number; threshold_paise?: number },
  feePaise: number,
  to: string[],
) {
  const balance = data.balance_paise ?? 0;
  const threshold = data.threshold_paise ?? 0;
  const messages = feePaise > 0 ? Math.floor(balance / feePaise) : null;
  const url = new URL("/wallet", env().APP_URL).toString();
  return {
    to,
    subject: `Low wallet balance for ${orgName}: ${formatPaise(balance)}`,
    text: [
      `The wallet of ${orgName} has fallen to ${formatPaise(balance)}, below your alert level of ${formatPaise(threshold)}.`,
      ...(messages === null ? [] : [`At ${formatPaise(feePaise)} per message that pays for ${messages.toLocaleString("en-IN")} more messages.`]),
      "Messages stop when the wallet is empty. Recharge here:",
      url,
      "",
      "You get this email because you are an owner or admin of this organization.",
    ].join("\n"),
  };
}
