import { withService } from "../db/tx";
import { createUser, findUserByEmail } from "../auth/users";
import { credit } from "../wallet/wallet";
import { connectSandboxChannel } from "../channels/channels";
import { insertSandboxStockTemplates } from "../templates/templates";
import type { Db } from "../db/tx";

export const DEMO = {
  ownerEmail: "demo@wa.local",
  ownerPassword: "demo-password-123",
  operatorEmail: "operator@wa.local",
  operatorPassword: "operator-password-123",
  orgName: "Demo Traders",
};

export interface SeedResult {
  created: boolean;
  orgId: string;
}

/**
 * Demo data for the embedded default: an organization with an owner, ₹500 in its wallet and
 * sample auto-replies, plus a platform operator. Idempotent: a second run finds the demo owner
 * and changes nothing.
 */
export async function seedDemo(): Promise<SeedResult> {
  return withService(async (db) => {
    const existing = await findUserByEmail(db, DEMO.ownerEmail);
    if (existing) {
      const { rows } = await db.query<{ org_id: string }>(
        "select org_id from public.memberships where user_id = $1 order by created_at limit 1",
        [existing.id],
      );
      if (rows[0]) await seedDemoMessaging(db, rows[0].org_id);
      return { created: false, orgId: rows[0]?.org_id ?? "" };
    }
    const owner = await createUser(db, { email: DEMO.ownerEmail, password: DEMO.ownerPassword, fullName: "Demo Owner" });
    const { rows } = await db.query<{ id: string }>(
      "insert into public.organizations (name, created_by) values ($1, $2) returning id",
      [DEMO.orgName, owner.id],
    );
    const orgId = rows[0].id;
    await db.query("insert into public.memberships (org_id, user_id, role) values ($1, $2, 'owner')", [orgId, owner.id]);
    await credit(db, { orgId, amountPaise: 50_000, reference: `seed:${orgId}`, description: "Demo credit" });
    await db.query(
      `insert into public.automation_rules (org_id, name, match_type, keyword, reply_text, priority)
       values ($1, 'Greeting', 'exact', 'hi', 'Hello! Thanks for writing to Demo Traders. How can we help?', 10),
              ($1, 'Pricing', 'contains', 'price', 'Our price list: https://example.com/prices', 20)`,
      [orgId],
    );
    await seedDemoMessaging(db, orgId);
    if (!(await findUserByEmail(db, DEMO.operatorEmail))) {
      const operator = await createUser(db, { email: DEMO.operatorEmail, password: DEMO.operatorPassword, fullName: "Platform Operator" });
      await db.query("insert into public.platform_admins (user_id) values ($1)", [operator.id]);
    }
    return { created: true, orgId };
  });
}

/**
 * A default sandbox channel and two contacts for the demo organization. Idempotent on its own (it
 * also runs for a demo database seeded before channels existed). Priya wrote in an hour ago (inside
 * the 24-hour window at seed time); Rahul never has, so only templates reach him.
 */
async function seedDemoMessaging(db: Db, orgId: string): Promise<void> {
  const { rows } = await db.query("select 1 from public.channels where org_id = $1 limit 1", [orgId]);
  if (!rows.length) await connectSandboxChannel({ orgId, displayPhone: "+91 98765 43210" }, db);
  // The sandbox's stock templates (hello_world, order_update), also for a demo seeded before templates.
  const sandbox = await db.query<{ waba_id: string }>("select distinct waba_id from public.channels where org_id = $1 and mode = 'sandbox'", [orgId]);
  for (const r of sandbox.rows) await insertSandboxStockTemplates(db, orgId, r.waba_id);
  await db.query(
    `insert into public.contacts (org_id, wa_id, phone_e164, name, profile_name, last_inbound_at)
     values ($1, '919812345670', '+919812345670', 'Priya Sharma', 'Priya', now() - interval '1 hour'),
            ($1, '919812345671', '+919812345671', 'Rahul Verma', 'Rahul', null)
     on conflict (org_id, wa_id) do nothing`,
    [orgId],
  );
  await seedDemoCampaign(db, orgId);
}

/**
 * A draft campaign to the two demo contacts with the sandbox's stock `order_update` template
 * (nothing is sent or charged until someone launches it). The template is one the sandbox Graph
 * API really has, so a sync never marks it deleted. Idempotent: skipped once the organization has
 * a campaign.
 */
async function seedDemoCampaign(db: Db, orgId: string): Promise<void> {
  const { rows: any } = await db.query("select 1 from public.campaigns where org_id = $1 limit 1", [orgId]);
  if (any.length) return;
  const { rows: t } = await db.query<{ id: string; waba_id: string; channel_id: string }>(
    `select t.id, t.waba_id, c.id as channel_id
       from public.message_templates t join public.channels c on c.org_id = t.org_id and c.waba_id = t.waba_id and c.is_default
      where t.org_id = $1 and t.name = 'order_update' and t.language = 'en_US' and t.status = 'APPROVED'
      limit 1`,
    [orgId],
  );
  if (!t[0]) return;
  const { rows: c } = await db.query<{ id: string }>(
    `insert into public.campaigns (org_id, name, channel_id, template_id, template_name, template_language, variables, audience, status, fee_paise, recipient_count)
     select $1, 'Shipping update (demo draft)', $2, $3, 'order_update', 'en_US',
            '[{"source":"name","fallback":"there"},{"source":"text","value":"#1042"}]', '{"type":"all"}', 'draft', o.service_fee_paise, 2
       from public.organizations o where o.id = $1
     returning id`,
    [orgId, t[0].channel_id, t[0].id],
  );
  await db.query(
    `insert into public.campaign_recipients (campaign_id, org_id, seq, contact_id, wa_id, phone_e164, name, params)
     select $1, $2, row_number() over (order by c.wa_id), c.id, c.wa_id, c.phone_e164, c.name, jsonb_build_array(coalesce(c.name, 'there'), '#1042')
       from public.contacts c where c.org_id = $2 and c.wa_id in ('919812345670', '919812345671')`,
    [c[0].id, orgId],
  );
}
