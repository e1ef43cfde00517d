import { z } from "zod";
import { createApiKey as createKey, forgetCachedApiKeys, getApiKey, revokeApiKey as revokeKey, setApiKeyRateLimit } from "../../apikeys/api-keys";
import { CliError, defineCommand, textFlag, uuidFlag } from "../command";
import { requireOrganization } from "./shared";

export const createApiKey = defineCommand({
  name: "create-api-key",
  summary: "Create an API key for an organization (the key is printed once)",
  flags: z.object({
    org: uuidFlag("The organization's id"),
    name: textFlag("A label to tell keys apart", 100, "name").optional(),
  }),
  async run(args, ctx) {
    const { org, key } = await ctx.service(async (db) => {
      const org = await requireOrganization(db, args.org);
      return { org, key: await createKey(db, { orgId: org.id, name: args.name }) };
    });
    return {
      json: { id: key.id, org_id: org.id, name: args.name ?? "API key", prefix: key.prefix, key: key.key },
      text: [
        `API key ${key.id} for "${org.name}":`,
        ``,
        `  ${key.key}`,
        ``,
        `Store it now: it is not shown again (only its hash is kept).`,
        ...(org.status === "suspended" ? [`Note: "${org.name}" is suspended; the key works once it is reactivated.`] : []),
      ],
    };
  },
});

export const revokeApiKey = defineCommand({
  name: "revoke-api-key",
  summary: "Revoke an API key by its id",
  flags: z.object({ keyId: uuidFlag("The key's id (printed by create-api-key)") }),
  async run(args, ctx) {
    const { key, revoked } = await ctx.service(async (db) => {
      const key = await getApiKey(db, args.keyId);
      if (!key) throw new CliError("api_key_not_found", `No API key with id ${args.keyId}.`);
      return { key, revoked: await revokeKey(db, { orgId: key.org_id, keyId: key.id }) };
    });
    return {
      json: { id: key.id, org_id: key.org_id, prefix: key.prefix, revoked: true, changed: revoked },
      text: [
        revoked
          ? `Revoked API key ${key.id} (${key.prefix}…).`
          : `API key ${key.id} (${key.prefix}…) was already revoked; nothing changed.`,
      ],
    };
  },
});

export const setRateLimit = defineCommand({
  name: "set-rate-limit",
  summary: "Set an API key's public API rate limit (requests a second), or back to the server default",
  flags: z.object({
    keyId: uuidFlag("The key's id (printed by create-api-key)"),
    perSecond: z
      .string()
      .regex(/^(\d+|default)$/, 'must be a whole number of requests a second (1 to 100000) or "default"')
      .transform((v) => (v === "default" ? null : Number(v)))
      .refine((v) => v === null || (v >= 1 && v <= 100_000), "must be between 1 and 100000")
      .meta({ description: 'Sustained requests a second (the burst is twice that), or "default" for API_RATE_LIMIT_PER_SECOND', placeholder: "n|default" }),
  }),
  examples: ["set-rate-limit --key-id 0b5c6d1e-2f3a-4b5c-8d9e-0f1a2b3c4d5e --per-second 500"],
  async run(args, ctx) {
    const key = await ctx.service(async (db) => {
      const key = await getApiKey(db, args.keyId);
      if (!key) throw new CliError("api_key_not_found", `No API key with id ${args.keyId}.`);
      await setApiKeyRateLimit(db, key.id, args.perSecond);
      return key;
    });
    forgetCachedApiKeys(key.org_id);
    const limit = args.perSecond === null ? "the server default (API_RATE_LIMIT_PER_SECOND)" : `${args.perSecond} request${args.perSecond === 1 ? "" : "s"} a second`;
    return {
      json: { id: key.id, org_id: key.org_id, prefix: key.prefix, rate_limit_per_second: args.perSecond },
      text: [`API key ${key.id} (${key.prefix}…) is now limited to ${limit}. Running servers pick it up within API_KEY_CACHE_TTL_MS.`],
    };
  },
});
