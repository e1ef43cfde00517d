import { randomBytes, randomInt, randomUUID } from "node:crypto";
import { parsePhoneNumberFromString } from "libphonenumber-js";
import { z } from "zod";
import { channelTokenContext, encryptSecret } from "../crypto/secrets";
import { withService, type Db } from "../db/tx";
import { ApiError } from "../http/errors";
import { insertSandboxStockTemplates } from "../templates/templates";

// WhatsApp numbers (channels) of an organization. An org may have several, one default. A
// phone_number_id belongs to one organization platform-wide. The access token is stored only
// encrypted (lib/crypto) and never leaves this module's callers except to call Meta.

export type ChannelStatus = "connected" | "disconnected" | "token_expired";

/** A channel as APIs show it: never the token. */
export interface Channel {
  id: string;
  mode: "live" | "sandbox";
  phone_number_id: string;
  waba_id: string;
  display_phone_number: string;
  verified_name: string | null;
  status: ChannelStatus;
  is_default: boolean;
  throughput_mps: number;
  messaging_limit_tier: number | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `id, mode, phone_number_id, waba_id, display_phone_number, verified_name, status, is_default,
  throughput_mps, messaging_limit_tier, created_at, updated_at`;

export const graphIdSchema = (what: string) => z.string().trim().regex(/^\d{5,20}$/, `${what} must be Meta's numeric id`);

/** Display numbers are shown as Meta formats them: "+91 98765 43210". */
export function formatDisplayPhone(input: string): string | null {
  const digits = input.replace(/[^\d+]/g, "");
  const parsed = parsePhoneNumberFromString(digits.startsWith("+") ? digits : `+${digits}`);
  return parsed?.isValid() ? parsed.formatInternational() : null;
}

/** The organization's channels, default first (works as tenant under RLS, or as service). */
export async function listChannels(db: Db, orgId: string): Promise<Channel[]> {
  const { rows } = await db.query<Channel>(
    `select ${COLUMNS} from public.channels where org_id = $1 order by is_default desc, created_at, id`,
    [orgId],
  );
  return rows;
}

export async function getChannel(db: Db, orgId: string, channelId: string): Promise<Channel> {
  if (!z.string().uuid().safeParse(channelId).success) throw notFound();
  const { rows } = await db.query<Channel>(`select ${COLUMNS} from public.channels where id = $1 and org_id = $2`, [channelId, orgId]);
  if (!rows[0]) throw notFound();
  return rows[0];
}

const notFound = () => new ApiError(404, "channel_not_found", "No channel with this id in your organization.");

/** Makes a connected channel the default (service role: channels change only through server code). */
export async function setDefaultChannel(db: Db, orgId: string, channelId: string): Promise<Channel> {
  const ch = await getChannelForUpdate(db, orgId, channelId);
  if (ch.status !== "connected") {
    throw new ApiError(422, "channel_not_connected", "Only a connected channel can be the default. Reconnect it first.");
  }
  await db.query("update public.channels set is_default = false, updated_at = now() where org_id = $1 and is_default and id <> $2", [orgId, channelId]);
  await db.query("update public.channels set is_default = true, updated_at = now() where id = $1", [channelId]);
  return getChannel(db, orgId, channelId);
}

/** Disconnects a channel: its token is dropped, and the default moves to another connected channel. */
export async function disconnectChannel(db: Db, orgId: string, channelId: string): Promise<Channel> {
  const ch = await getChannelForUpdate(db, orgId, channelId);
  await db.query(
    `update public.channels set status = 'disconnected', access_token_encrypted = null, is_default = false, updated_at = now()
     where id = $1`,
    [channelId],
  );
  if (ch.is_default) await promoteDefault(db, orgId);
  return getChannel(db, orgId, channelId);
}

/** Graph error 190: the token no longer works. Sends stop until the channel is reconnected. */
export async function markTokenExpired(db: Db, channelId: string): Promise<void> {
  await db.query("update public.channels set status = 'token_expired', updated_at = now() where id = $1 and status = 'connected'", [channelId]);
}

async function getChannelForUpdate(db: Db, orgId: string, channelId: string): Promise<Channel> {
  if (!z.string().uuid().safeParse(channelId).success) throw notFound();
  const { rows } = await db.query<Channel>(`select ${COLUMNS} from public.channels where id = $1 and org_id = $2 for update`, [channelId, orgId]);
  if (!rows[0]) throw notFound();
  return rows[0];
}

async function promoteDefault(db: Db, orgId: string): Promise<void> {
  await db.query(
    `update public.channels set is_default = true, updated_at = now()
     where id = (select id from public.channels where org_id = $1 and status = 'connected' order by created_at limit 1)
       and not exists (select 1 from public.channels where org_id = $1 and is_default)`,
    [orgId],
  );
}

/** 409 when another organization holds the number (checked before any call to Meta, and again on insert). */
export async function assertNumberAvailable(db: Db, orgId: string, phoneNumberId: string): Promise<void> {
  const { rows } = await db.query<{ org_id: string }>("select org_id from public.channels where phone_number_id = $1", [phoneNumberId]);
  if (rows[0] && rows[0].org_id !== orgId) throw numberTaken();
}

const numberTaken = () =>
  new ApiError(
    409,
    "phone_number_taken",
    "This WhatsApp number (phone_number_id) is already connected to another organization on this platform. It can belong to one organization only.",
  );

/**
 * Stores a connected channel with its token encrypted: a new row, or the same organization's
 * existing row for this number (a reconnect). The organization's first connected channel becomes
 * its default.
 */
export async function storeChannel(
  db: Db,
  args: {
    orgId: string;
    mode: "live" | "sandbox";
    phoneNumberId: string;
    wabaId: string;
    displayPhoneNumber: string;
    verifiedName: string | null;
    accessToken: string;
  },
): Promise<Channel> {
  const existing = await db.query<{ id: string; org_id: string }>(
    "select id, org_id from public.channels where phone_number_id = $1 for update",
    [args.phoneNumberId],
  );
  const prior = existing.rows[0];
  if (prior && prior.org_id !== args.orgId) throw numberTaken();
  const id = prior?.id ?? randomUUID();
  const sealed = encryptSecret(args.accessToken, channelTokenContext(id));
  try {
    if (prior) {
      await db.query(
        `update public.channels set mode = $2, waba_id = $3, display_phone_number = $4, verified_name = $5,
           access_token_encrypted = $6, status = 'connected', updated_at = now() where id = $1`,
        [id, args.mode, args.wabaId, args.displayPhoneNumber, args.verifiedName, sealed],
      );
    } else {
      await db.query(
        `insert into public.channels (id, org_id, mode, phone_number_id, waba_id, display_phone_number, verified_name,
           access_token_encrypted, status, is_default)
         values ($1, $2, $3, $4, $5, $6, $7, $8, 'connected', false)`,
        [id, args.orgId, args.mode, args.phoneNumberId, args.wabaId, args.displayPhoneNumber, args.verifiedName, sealed],
      );
    }
  } catch (err) {
    if ((err as { code?: string; constraint?: string }).constraint === "channels_phone_number_id_key") throw numberTaken();
    throw err;
  }
  await promoteDefault(db, args.orgId);
  return getChannel(db, args.orgId, id);
}

const digits = (n: number) => Array.from({ length: n }, () => randomInt(10)).join("");

export const sandboxConnectSchema = z.object({
  display_phone: z.string({ error: "display_phone is required, e.g. +91 98765 43210" }).min(6).max(32),
});

/**
 * A working sandbox channel: generated phone_number_id and waba_id, a sandbox access token (the
 * sandbox Graph API accepts tokens starting "sbx_"). Used by POST /api/channels/sandbox, the seed
 * and the CLI command `connect-sandbox-channel`.
 */
export async function connectSandboxChannel(args: { orgId: string; displayPhone: string; phoneNumberId?: string }, db?: Db): Promise<Channel> {
  const display = formatDisplayPhone(args.displayPhone);
  if (!display) throw new ApiError(400, "invalid_phone", "display_phone is not a valid phone number. Use the international format, e.g. +91 98765 43210.");
  const phoneNumberId = args.phoneNumberId ?? `10${digits(13)}`;
  if (!graphIdSchema("phone_number_id").safeParse(phoneNumberId).success) {
    throw new ApiError(400, "invalid_phone_number_id", "phone_number_id must be numeric (5 to 20 digits).");
  }
  const run = async (d: Db) => {
    const channel = await storeChannel(d, {
      orgId: args.orgId,
      mode: "sandbox",
      phoneNumberId,
      wabaId: `20${digits(13)}`,
      displayPhoneNumber: display,
      verifiedName: "Sandbox Business",
      accessToken: `sbx_${randomBytes(24).toString("base64url")}`,
    });
    // Every sandbox WABA has the sandbox Graph API's approved stock templates (hello_world, ...).
    await insertSandboxStockTemplates(d, args.orgId, channel.waba_id);
    return channel;
  };
  return db ? run(db) : withService(run);
}
