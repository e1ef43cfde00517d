import { servicePrepared } from "../db/service-query";
import { ApiError } from "../http/errors";
import { renderTemplateBody, validateTemplateParams } from "./validate";

// The send pipeline's template check (lib/messaging/send.ts calls it before the charge): the
// template must exist for the sending channel's WABA with this name and language, be APPROVED,
// and the parameters must match its definition. Definitions come from a short per-process cache
// (TTL below), so a busy sender costs one query per template every few seconds, not one per
// message; every write in this process (create, sync, status webhook) clears it at once, and
// other processes see a change within the TTL.

export const TEMPLATE_CACHE_TTL_MS = 3_000;
const MAX_ENTRIES = 10_000;

interface Definition {
  /** The channel to send from exists (else send_prepare answers with its own channel error). */
  channel: boolean;
  template: { status: string; components: unknown[] } | null;
}

const cache = new Map<string, { at: number; value: Definition }>();

/** Forget every cached definition (after a template write in this process). */
export function invalidateTemplateCache(): void {
  cache.clear();
}

const LOOKUP = `
  select t.status, t.components
  from public.channels c
  left join public.message_templates t
    on t.org_id = c.org_id and t.waba_id = c.waba_id and t.name = $3 and t.language = $4
  where c.org_id = $1 and (c.id = $2 or ($2::uuid is null and c.is_default)) and c.status = 'connected'
  limit 1`;

async function definition(orgId: string, channelId: string | null, name: string, language: string): Promise<Definition> {
  const key = `${orgId}|${channelId ?? ""}|${name}|${language}`;
  const hit = cache.get(key);
  if (hit && Date.now() - hit.at < TEMPLATE_CACHE_TTL_MS) return hit.value;
  const { rows } = await servicePrepared<{ status: string | null; components: unknown[] | null }>("template_definition", LOOKUP, [
    orgId,
    channelId,
    name,
    language,
  ]);
  const value: Definition = {
    channel: rows.length > 0,
    template: rows[0]?.status ? { status: rows[0].status, components: rows[0].components ?? [] } : null,
  };
  if (cache.size >= MAX_ENTRIES) cache.clear();
  cache.set(key, { at: Date.now(), value });
  return value;
}

/**
 * Throws the ApiError a template send deserves before anything is charged: 404 template_not_found,
 * 409 template_not_approved, 422 template_params_invalid. Passes when the channel is unknown or not
 * connected (the send pipeline then answers channel_not_found / no_channel / channel_not_connected).
 */
export async function assertTemplateSendable(args: {
  orgId: string;
  channelId: string | null;
  template: { name: string; language: { code: string }; components?: unknown[] };
}): Promise<string | null> {
  const { name } = args.template;
  const language = args.template.language.code;
  const d = await definition(args.orgId, args.channelId, name, language);
  if (!d.channel) return null;
  if (!d.template || d.template.status === "DELETED") {
    throw new ApiError(
      404,
      "template_not_found",
      `No template "${name}" in language ${language} for this channel's WhatsApp Business Account. Create it under Templates (or sync from Meta), and check the language code.`,
      { template: name, language },
    );
  }
  if (d.template.status !== "APPROVED") {
    throw new ApiError(
      409,
      "template_not_approved",
      `Template "${name}" (${language}) is ${d.template.status}; only APPROVED templates can be sent. Nothing was charged.`,
      { template: name, language, template_status: d.template.status },
    );
  }
  const errors = validateTemplateParams(d.template.components, args.template.components);
  if (errors.length) {
    throw new ApiError(422, "template_params_invalid", `Template "${name}": ${errors.join("; ")}. Nothing was sent or charged.`, {
      template: name,
      language,
      problems: errors,
    });
  }
  return renderTemplateBody(d.template.components, args.template.components);
}
