import { randomUUID } from "node:crypto";
import { withService, type Db } from "../db/tx";
import { ApiError } from "../http/errors";
import { DELIVERY_DEFAULTS, deliverNow, type DeliveryOptions } from "./delivery";
import { TEST_EVENT_TYPE, type WebhookEventType } from "./events";
import { encryptSecret } from "../crypto/secrets";
import { generateWebhookSecret } from "./signature";

// Tenants' webhook endpoints and their delivery log. Reads take the caller's tenant transaction
// (withTenant: RLS lets owners and admins of the organization see the rows); writes take a
// service transaction and are always scoped by the org id the caller was resolved to.

/** Each organization may register this many endpoints (each event fans out to all of them). */
export const MAX_ENDPOINTS_PER_ORG = 10;

const secretContext = (endpointId: string) => `webhook_endpoint:${endpointId}`;

export interface Endpoint {
  id: string;
  url: string;
  description: string | null;
  events: WebhookEventType[];
  enabled: boolean;
  created_at: Date;
  updated_at: Date;
  secret_rotated_at: Date | null;
  previous_secret_expires_at: Date | null;
  last_delivery: { status: DeliveryStatus; at: Date; status_code: number | null } | null;
}

export type DeliveryStatus = "pending" | "succeeded" | "failed" | "dead";

export interface Delivery {
  id: number;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  payload: unknown;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: Date | null;
  last_attempt_at: Date | null;
  last_status_code: number | null;
  last_error: string | null;
  last_response_snippet: string | null;
  created_at: Date;
  delivered_at: Date | null;
}

// Never the sealed secrets (authenticated cannot even select those columns).
const ENDPOINT_COLUMNS = `e.id, e.url, e.description, e.events, e.enabled, e.created_at, e.updated_at, e.secret_rotated_at,
  case when e.previous_secret_expires_at > now() then e.previous_secret_expires_at end as previous_secret_expires_at`;
const LAST_DELIVERY = `(select json_build_object('status', d.status, 'at', coalesce(d.last_attempt_at, d.created_at),
    'status_code', d.last_status_code)
  from public.webhook_deliveries d where d.endpoint_id = e.id order by d.id desc limit 1) as last_delivery`;
const DELIVERY_COLUMNS = `id, endpoint_id, event_id, event_type, payload, status, attempts, next_attempt_at, last_attempt_at,
  last_status_code, last_error, last_response_snippet, created_at, delivered_at`;

export async function listEndpoints(db: Db, orgId: string): Promise<Endpoint[]> {
  const { rows } = await db.query<Endpoint>(
    `select ${ENDPOINT_COLUMNS}, ${LAST_DELIVERY} from public.webhook_endpoints e where e.org_id = $1 order by e.created_at`,
    [orgId],
  );
  return rows;
}

export async function getEndpoint(db: Db, orgId: string, id: string): Promise<Endpoint | null> {
  const { rows } = await db.query<Endpoint>(
    `select ${ENDPOINT_COLUMNS}, ${LAST_DELIVERY} from public.webhook_endpoints e where e.org_id = $1 and e.id = $2`,
    [orgId, id],
  );
  return rows[0] ?? null;
}

export interface EndpointInput {
  url: string;
  events: WebhookEventType[];
  description?: string | null;
}

/** Creates an endpoint; the secret is in the answer and nowhere else in clear. */
export async function createEndpoint(
  args: EndpointInput & { orgId: string; createdBy?: string | null },
): Promise<{ endpoint: Endpoint; secret: string }> {
  const id = randomUUID();
  const secret = generateWebhookSecret();
  return withService(async (db) => {
    // Serialise creations per organization so the limit holds under concurrent requests.
    await db.query("select pg_advisory_xact_lock(hashtextextended('webhook_endpoints:' || $1::text, 0))", [args.orgId]);
    const { rows } = await db.query<{ n: number }>("select count(*)::int as n from public.webhook_endpoints where org_id = $1", [
      args.orgId,
    ]);
    if (rows[0].n >= MAX_ENDPOINTS_PER_ORG) {
      throw new ApiError(409, "too_many_endpoints", `An organization can have at most ${MAX_ENDPOINTS_PER_ORG} webhook endpoints.`);
    }
    await db.query(
      `insert into public.webhook_endpoints (id, org_id, url, description, events, secret_encrypted, created_by)
       values ($1, $2, $3, $4, $5, $6, $7)`,
      [id, args.orgId, args.url, args.description ?? null, args.events, encryptSecret(secret, secretContext(id)), args.createdBy ?? null],
    );
    return { endpoint: (await getEndpoint(db, args.orgId, id))!, secret };
  });
}

export async function updateEndpoint(
  args: { orgId: string; id: string } & Partial<EndpointInput> & { enabled?: boolean },
): Promise<Endpoint | null> {
  return withService(async (db) => {
    const { rows } = await db.query<{ was_enabled: boolean }>(
      `update public.webhook_endpoints n set
         url = coalesce($3, n.url),
         events = coalesce($4, n.events),
         description = case when $5 then $6 else n.description end,
         enabled = coalesce($7, n.enabled),
         updated_at = now()
       from public.webhook_endpoints o
       where n.id = $2 and n.org_id = $1 and o.id = n.id
       returning o.enabled as was_enabled`,
      [
        args.orgId,
        args.id,
        args.url ?? null,
        args.events ?? null,
        args.description !== undefined,
        args.description ?? null,
        args.enabled ?? null,
      ],
    );
    if (!rows[0]) return null;
    if (args.enabled && !rows[0].was_enabled) {
      // Deliveries parked while the endpoint was off are due again now.
      await db.query(
        `update public.webhook_deliveries set next_attempt_at = now(), last_error = null
          where endpoint_id = $1 and status in ('pending', 'failed') and next_attempt_at > now() and claimed_at is null`,
        [args.id],
      );
    }
    return getEndpoint(db, args.orgId, args.id);
  });
}

/** Deletes the endpoint and its delivery log. */
export async function deleteEndpoint(args: { orgId: string; id: string }): Promise<boolean> {
  const r = await withService((db) =>
    db.query("delete from public.webhook_endpoints where id = $1 and org_id = $2", [args.id, args.orgId]),
  );
  return (r.rowCount ?? 0) > 0;
}

/**
 * A new secret for the endpoint, shown once. The old one keeps signing alongside it for
 * `previousValidHours` (deliveries carry both signatures), so a receiver can switch without losing
 * events; 0 retires it at once (for a leaked secret).
 */
export async function rotateEndpointSecret(args: {
  orgId: string;
  id: string;
  previousValidHours: number;
}): Promise<{ secret: string; previous_secret_expires_at: Date | null } | null> {
  const secret = generateWebhookSecret();
  return withService(async (db) => {
    const { rows } = await db.query<{ previous_secret_expires_at: Date | null }>(
      `update public.webhook_endpoints set
         previous_secret_encrypted = case when $4 > 0 then secret_encrypted end,
         previous_secret_expires_at = case when $4 > 0 then now() + make_interval(hours => $4) end,
         secret_encrypted = $3, secret_rotated_at = now(), updated_at = now()
       where id = $1 and org_id = $2
       returning previous_secret_expires_at`,
      [args.id, args.orgId, encryptSecret(secret, secretContext(args.id)), args.previousValidHours],
    );
    return rows[0] ? { secret, previous_secret_expires_at: rows[0].previous_secret_expires_at } : null;
  });
}

/** One page of an endpoint's deliveries, newest first; null when the endpoint is not the org's. */
export async function listDeliveries(
  db: Db,
  args: { orgId: string; endpointId: string; limit: number; cursor?: number; status?: DeliveryStatus },
): Promise<{ data: Delivery[]; next_cursor: string | null } | null> {
  const found = await db.query("select 1 from public.webhook_endpoints where id = $1 and org_id = $2", [args.endpointId, args.orgId]);
  if (!found.rowCount) return null;
  const { rows } = await db.query<Delivery>(
    `select ${DELIVERY_COLUMNS} from public.webhook_deliveries
      where endpoint_id = $1 and org_id = $2 and ($3::bigint is null or id < $3) and ($4::text is null or status = $4)
      order by id desc limit $5`,
    [args.endpointId, args.orgId, args.cursor ?? null, args.status ?? null, args.limit + 1],
  );
  const more = rows.length > args.limit;
  const data = rows.slice(0, args.limit);
  return { data, next_cursor: more ? String(data[data.length - 1].id) : null };
}

async function getDelivery(db: Db, orgId: string, id: number): Promise<Delivery | null> {
  const { rows } = await db.query<Delivery>(`select ${DELIVERY_COLUMNS} from public.webhook_deliveries where id = $1 and org_id = $2`, [
    id,
    orgId,
  ]);
  return rows[0] ?? null;
}

/**
 * Sends a webhook.test event to one endpoint now (even a disabled one) and returns the delivery
 * with its outcome. Test events are attempted once: no retries.
 */
export async function sendTestEvent(orgId: string, endpointId: string, opts: DeliveryOptions = {}): Promise<Delivery | null> {
  const eventId = `${TEST_EVENT_TYPE}:${randomUUID()}`;
  const inserted = await withService((db) =>
    db.query<{ id: number }>(
      `insert into public.webhook_deliveries (org_id, endpoint_id, event_id, event_type, payload, retry_until)
       select e.org_id, e.id, $3, $4, jsonb_build_object(
                'message', 'This is a test event. Your endpoint is receiving signed webhooks.',
                'endpoint_id', e.id),
              now()
         from public.webhook_endpoints e where e.id = $2 and e.org_id = $1
       returning id`,
      [orgId, endpointId, eventId, TEST_EVENT_TYPE],
    ),
  );
  const id = inserted.rows[0]?.id;
  if (id === undefined) return null;
  await deliverNow([id], opts);
  return withService((db) => getDelivery(db, orgId, id));
}

/**
 * Delivers one delivery again, now: a dead or failed one (its window reopens for this attempt), a
 * succeeded one (a receiver that lost it), or one parked on a disabled endpoint. Refuses one a
 * worker is sending right now (claimed within the lease).
 */
export async function retryDelivery(orgId: string, deliveryId: number, opts: DeliveryOptions = {}): Promise<Delivery | null> {
  const current = await withService((db) => getDelivery(db, orgId, deliveryId));
  if (!current) return null;
  const requeued = await withService((db) =>
    db.query(
      `update public.webhook_deliveries set status = 'pending', next_attempt_at = now(), retry_until = greatest(retry_until, now()),
              delivered_at = null
        where id = $1 and org_id = $2
          and (claimed_at is null or claimed_at < now() - make_interval(secs => $3))`,
      [deliveryId, orgId, DELIVERY_DEFAULTS.leaseSeconds],
    ),
  );
  if (!requeued.rowCount) {
    throw new ApiError(409, "delivery_in_progress", "This delivery is being sent right now; refresh in a moment.");
  }
  await deliverNow([deliveryId], opts);
  return withService((db) => getDelivery(db, orgId, deliveryId));
}
