import { z } from "zod";
import type { Db } from "../db/tx";
import { ApiError } from "../http/errors";
import { matchRule, type MatchType } from "./match";
import { consentKeyword, type ConsentKeyword } from "../contacts/consent";

// Auto-reply rules of an organization. Called inside withTenant (RLS: members read, owners and
// admins write) with the caller's current organization, which every query also filters on: a user
// in several organizations sees only the one they are working in.

export interface AutomationRule {
  id: string;
  org_id: string;
  name: string;
  match_type: MatchType;
  keyword: string;
  reply_text: string;
  priority: number;
  enabled: boolean;
  created_at: Date;
  updated_at: Date;
}

/** Enough for one organization to express its menu without making every inbound message slow. */
export const MAX_RULES_PER_ORG = 200;

const COLUMNS = "id, org_id, name, match_type, keyword, reply_text, priority, enabled, created_at, updated_at";

export const ruleFields = {
  name: z.string().trim().min(1, "Name is required").max(120, "Name must be at most 120 characters"),
  match_type: z.enum(["exact", "contains", "starts_with"], {
    error: "match_type must be one of: exact, contains, starts_with",
  }),
  keyword: z.string().trim().min(1, "Keyword is required").max(200, "Keyword must be at most 200 characters"),
  reply_text: z
    .string()
    .min(1, "Reply text is required")
    .max(4096, "Reply text must be at most 4,096 characters (WhatsApp's limit for a text message)")
    .refine((s) => s.trim().length > 0, "Reply text is required"),
  priority: z.number().int("Priority must be a whole number").min(0, "Priority must be 0 or more").max(100_000, "Priority must be at most 100000"),
  enabled: z.boolean(),
};

export const createRuleSchema = z.strictObject({
  ...ruleFields,
  priority: ruleFields.priority.default(100),
  enabled: ruleFields.enabled.default(true),
});
export type CreateRuleInput = z.input<typeof createRuleSchema>;

export const updateRuleSchema = z
  .strictObject({
    name: ruleFields.name.optional(),
    match_type: ruleFields.match_type.optional(),
    keyword: ruleFields.keyword.optional(),
    reply_text: ruleFields.reply_text.optional(),
    priority: ruleFields.priority.optional(),
    enabled: ruleFields.enabled.optional(),
  })
  .refine((v) => Object.keys(v).length > 0, "Send at least one field to change");
export type UpdateRuleInput = z.input<typeof updateRuleSchema>;

export const testRuleSchema = z.strictObject({
  text: z.string().min(1, "Text is required").max(4096, "Text must be at most 4,096 characters"),
});

const uuid = z.uuid();
function notFound(): ApiError {
  return new ApiError(404, "not_found", "No automation rule with this id in your organization.");
}

export async function listRules(db: Db, orgId: string): Promise<AutomationRule[]> {
  const { rows } = await db.query<AutomationRule>(
    `select ${COLUMNS} from public.automation_rules where org_id = $1 order by priority, created_at, id`,
    [orgId],
  );
  return rows;
}

export async function createRule(db: Db, orgId: string, input: unknown): Promise<AutomationRule> {
  const v = createRuleSchema.parse(input);
  // Serialise creations per organization so the cap holds under concurrent requests.
  await db.query("select pg_advisory_xact_lock(hashtextextended('automation_rules:' || $1::text, 0))", [orgId]);
  const { rows: count } = await db.query<{ n: number }>(
    "select count(*)::int as n from public.automation_rules where org_id = $1",
    [orgId],
  );
  if (count[0].n >= MAX_RULES_PER_ORG) {
    throw new ApiError(409, "too_many_rules", `An organization can have at most ${MAX_RULES_PER_ORG} automation rules; delete one first.`);
  }
  const { rows } = await db.query<AutomationRule>(
    `insert into public.automation_rules (org_id, name, match_type, keyword, reply_text, priority, enabled)
     values ($1, $2, $3, $4, $5, $6, $7) returning ${COLUMNS}`,
    [orgId, v.name, v.match_type, v.keyword, v.reply_text, v.priority, v.enabled],
  );
  return rows[0];
}

export async function updateRule(db: Db, orgId: string, id: string, input: unknown): Promise<AutomationRule> {
  if (!uuid.safeParse(id).success) throw notFound();
  const v = updateRuleSchema.parse(input);
  const { rows } = await db.query<AutomationRule>(
    `update public.automation_rules set
       name = coalesce($3, name), match_type = coalesce($4, match_type), keyword = coalesce($5, keyword),
       reply_text = coalesce($6, reply_text), priority = coalesce($7, priority), enabled = coalesce($8, enabled),
       updated_at = now()
     where org_id = $1 and id = $2 returning ${COLUMNS}`,
    [orgId, id, v.name ?? null, v.match_type ?? null, v.keyword ?? null, v.reply_text ?? null, v.priority ?? null, v.enabled ?? null],
  );
  if (!rows[0]) throw notFound();
  return rows[0];
}

export async function deleteRule(db: Db, orgId: string, id: string): Promise<void> {
  if (!uuid.safeParse(id).success) throw notFound();
  const { rowCount } = await db.query("delete from public.automation_rules where org_id = $1 and id = $2", [orgId, id]);
  if (!rowCount) throw notFound();
}

export interface RuleTestResult {
  /** The rule that would fire, or null. */
  rule: AutomationRule | null;
  /** Set when the text is an opt-out/opt-in keyword: those change consent and never get an auto-reply. */
  consent_keyword: ConsentKeyword | null;
}

/** The dashboard's live tester: what an inbound text would trigger, with the same code the webhook runs. */
export async function testRules(db: Db, orgId: string, input: unknown): Promise<RuleTestResult> {
  const { text } = testRuleSchema.parse(input);
  const consent = consentKeyword(text);
  if (consent) return { rule: null, consent_keyword: consent };
  return { rule: matchRule(await listRules(db, orgId), text), consent_keyword: null };
}

/** Enabled rules of several organizations, for the webhook processor (service role). */
export async function enabledRulesByOrg(db: Db, orgIds: string[]): Promise<Map<string, AutomationRule[]>> {
  const byOrg = new Map<string, AutomationRule[]>();
  if (!orgIds.length) return byOrg;
  const { rows } = await db.query<AutomationRule>(
    `select ${COLUMNS} from public.automation_rules where org_id = any($1::uuid[]) and enabled
     order by priority, created_at, id`,
    [orgIds],
  );
  for (const r of rows) {
    const list = byOrg.get(r.org_id) ?? [];
    list.push(r);
    byOrg.set(r.org_id, list);
  }
  return byOrg;
}
