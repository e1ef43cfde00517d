import { randomBytes, randomUUID } from "node:crypto";
import { withService } from "../../lib/db/tx";
import { signMetaPayload } from "../../lib/whatsapp/signature";
import { credit } from "../../lib/wallet/wallet";
import type { Metadata } from "../../lib/whatsapp/webhook-payloads";
import { makeOrg } from "./factories";

/** A channel row for an organization, created directly in SQL (sandbox mode, no token). */
export async function makeChannel(orgId: string, opts: { phoneNumberId?: string; wabaId?: string; isDefault?: boolean } = {}) {
  const phoneNumberId = opts.phoneNumberId ?? `pn${randomBytes(6).toString("hex")}`;
  const wabaId = opts.wabaId ?? `waba${randomBytes(6).toString("hex")}`;
  const display = `+91 ${90000 + Math.floor(Math.random() * 9999)} ${10000 + Math.floor(Math.random() * 89999)}`;
  const id = await withService(async (db) => {
    const { rows } = await db.query<{ id: string }>(
      `insert into public.channels (org_id, mode, phone_number_id, waba_id, display_phone_number, verified_name, is_default)
       values ($1, 'sandbox', $2, $3, $4, 'Test Business', $5) returning id`,
      [orgId, phoneNumberId, wabaId, display, opts.isDefault ?? true],
    );
    return rows[0].id;
  });
  const meta: Metadata = { phoneNumberId, displayPhoneNumber: display, wabaId };
  return { id, phoneNumberId, wabaId, meta };
}

/** An organization with a channel and (optionally) money in its wallet. */
export async function makeOrgWithChannel(opts: { balancePaise?: number; feePaise?: number; role?: "owner" | "admin" | "agent" } = {}) {
  const org = await makeOrg({ feePaise: opts.feePaise, role: opts.role });
  const channel = await makeChannel(org.orgId);
  if (opts.balancePaise) {
    await withService((db) => credit(db, { orgId: org.orgId, amountPaise: opts.balancePaise!, reference: `test:${randomUUID()}` }));
  }
  return { ...org, channel };
}

export const wamid = () => `wamid.${randomBytes(18).toString("base64url")}`;
export const waId = () => `91${9_000_000_000 + Math.floor(Math.random() * 999_999_999)}`;

/** POSTs a payload to {url}/api/webhook, signed with the test app secret unless told otherwise. */
export async function postWebhook(
  url: string,
  payload: unknown,
  opts: { secret?: string; signature?: string | null; raw?: string } = {},
): Promise<Response> {
  const body = opts.raw ?? JSON.stringify(payload);
  const headers: Record<string, string> = { "content-type": "application/json" };
  const signature = opts.signature === undefined ? signMetaPayload(body, opts.secret ?? process.env.META_APP_SECRET!) : opts.signature;
  if (signature !== null) headers["x-hub-signature-256"] = signature;
  return fetch(`${url}/api/webhook`, { method: "POST", headers, body });
}

/** Fisher-Yates, for "delivered in random order". */
export function shuffle<T>(xs: T[]): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** An outbound message as the send pipeline leaves it after Meta accepted it, charged `feePaise`. */
export async function makeOutbound(
  org: { orgId: string; channel: { id: string } },
  opts: { status?: "pending" | "sent" | "delivered" | "read" | "failed"; feePaise?: number; to?: string } = {},
) {
  const id = wamid();
  return withService(async (db) => {
    const { rows } = await db.query<{ id: string }>(
      `insert into public.messages (org_id, channel_id, direction, type, status, wamid, text, fee_paise, sent_at)
       values ($1, $2, 'outbound', 'text', $3, $4, 'hello', $5, now()) returning id`,
      [org.orgId, org.channel.id, opts.status ?? "sent", id, opts.feePaise ?? 20],
    );
    const messageId = rows[0].id;
    if (opts.feePaise !== 0) {
      const { debit, references } = await import("../../lib/wallet/wallet");
      const r = await debit(db, { orgId: org.orgId, amountPaise: opts.feePaise ?? 20, reference: references.messageDebit(messageId), messageId });
      if (!r.ok) throw new Error(`test debit failed: ${r.status}`);
    }
    return { messageId, wamid: id, to: opts.to ?? waId() };
  });
}

/** Waits until the webhook events with these ids are processed (by the route's in-process kick). */
export async function waitProcessed(eventIds: string[], timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await withService((db) =>
      db.query<{ n: number }>(
        "select count(*)::int as n from public.webhook_events where event_id = any($1) and processed_at is not null",
        [eventIds],
      ),
    );
    if (rows[0].n === eventIds.length) return;
    if (Date.now() > deadline) throw new Error(`events not processed in time: ${eventIds.join(", ")}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A Cookie header for a signed-in user, optionally working in `orgId`. */
export async function sessionCookie(user: { id: string; email: string }, orgId?: string): Promise<string> {
  const { signSession, SESSION_COOKIE, ORG_COOKIE } = await import("../../lib/auth/session");
  const token = await signSession(user);
  return `${SESSION_COOKIE}=${token}${orgId ? `; ${ORG_COOKIE}=${orgId}` : ""}`;
}

/** Adds a new user to an organization with a role; returns the user and their cookie. */
export async function addMemberWithCookie(orgId: string, role: "owner" | "admin" | "agent") {
  const { makeUser } = await import("./factories");
  const user = await makeUser();
  await withService((db) => db.query("insert into public.memberships (org_id, user_id, role) values ($1, $2, $3)", [orgId, user.id, role]));
  return { user, cookie: await sessionCookie(user, orgId) };
}
