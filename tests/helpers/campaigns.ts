import { withService } from "../../lib/db/tx";
import type { Tenant } from "./messaging";

// Campaign fixtures: an APPROVED template on the tenant's channel's WABA (the templates work owns
// template management; here a row is inserted directly), contacts in bulk, and polling helpers.

export async function makeTemplate(t: Tenant, opts: { body?: string; status?: string; name?: string } = {}): Promise<string> {
  return withService(async (db) => {
    const { rows } = await db.query<{ id: string }>(
      `insert into public.message_templates (org_id, waba_id, name, language, category, status, components)
       select $1, c.waba_id, $3, 'en_US', 'MARKETING', $4, $5::jsonb from public.channels c where c.id = $2
       returning id`,
      [
        t.orgId,
        t.channel.id,
        opts.name ?? `promo_${Math.random().toString(36).slice(2, 10)}`,
        opts.status ?? "APPROVED",
        JSON.stringify([{ type: "BODY", text: opts.body ?? "Hi {{1}}, your code is {{2}}" }]),
      ],
    );
    return rows[0].id;
  });
}

/**
 * `count` contacts with tag `tag`, numbers 919<prefix><i>77 (never a sandbox magic suffix), named
 * "Name <i>" with attributes.code = "C<i>". Returns their wa_ids in creation order.
 */
export async function makeContacts(orgId: string, count: number, tag: string, prefix: string): Promise<string[]> {
  return withService(async (db) => {
    const { rows } = await db.query<{ wa_id: string }>(
      `insert into public.contacts (org_id, wa_id, phone_e164, name, tags, attributes, created_at)
       select $1, w, '+' || w, 'Name ' || i, array[$3], jsonb_build_object('code', 'C' || i), now() + make_interval(secs => i / 1000.0)
         from generate_series(1, $2) i, lateral (select '919' || $4 || lpad(i::text, 7 - length($4), '0') || '77' as w) x
       returning wa_id`,
      [orgId, count, tag, prefix],
    );
    return rows.map((r) => r.wa_id);
  });
}

/** One contact with a chosen number (e.g. a magic suffix). */
export async function makeTaggedContact(orgId: string, waId: string, tag: string, opts: { optedOut?: boolean } = {}) {
  await withService((db) =>
    db.query(
      `insert into public.contacts (org_id, wa_id, phone_e164, name, tags, attributes, opted_out, created_at)
       values ($1, $2, '+' || $2, 'Magic ' || right($2, 4), array[$3], '{"code":"M"}', $4, now() + interval '1 hour')`,
      [orgId, waId, tag, opts.optedOut ?? false],
    ),
  );
}

export async function campaignState(id: string) {
  return withService(async (db) => {
    const { rows } = await db.query<{ status: string; blocked_reason: string | null }>("select status, blocked_reason from public.campaigns where id = $1", [id]);
    const { rows: r } = await db.query<{ status: string; n: number }>(
      "select status, count(*)::int as n from public.campaign_recipients where campaign_id = $1 group by status",
      [id],
    );
    return { ...rows[0], recipients: Object.fromEntries(r.map((x) => [x.status, x.n])) as Record<string, number> };
  });
}

/** Polls until pred holds (or throws after timeoutMs with the last state). */
export async function waitFor<T>(get: () => Promise<T>, pred: (v: T) => boolean, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last = await get();
  while (!pred(last)) {
    if (Date.now() > until) throw new Error(`timed out waiting; last state: ${JSON.stringify(last).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, everyMs));
    last = await get();
  }
  return last;
}

export async function setChannel(channelId: string, mps: number, tier: number | null = null) {
  await withService((db) => db.query("update public.channels set throughput_mps = $2, messaging_limit_tier = $3 where id = $1", [channelId, mps, tier]));
}
