import type { Db } from "../db/tx";

// What the home page and the onboarding checklist show about one organization. Run these inside
// withTenant(claims, ...): RLS then decides, so a user who is not a member gets null.

export interface OrgOverview {
  id: string;
  name: string;
  status: "active" | "suspended";
  serviceFeePaise: number;
  lowBalanceThresholdPaise: number;
  balancePaise: number;
  connectedChannels: number;
  contacts: number;
  sentLast7Days: number;
  receivedLast7Days: number;
}

export async function getOrgOverview(db: Db, orgId: string): Promise<OrgOverview | null> {
  const { rows } = await db.query<{
    id: string;
    name: string;
    status: "active" | "suspended";
    service_fee_paise: number;
    low_balance_threshold_paise: number;
    balance_paise: number | null;
    connected_channels: number;
    contacts: number;
    sent_7d: number;
    received_7d: number;
  }>(
    `select o.id, o.name, o.status, o.service_fee_paise, o.low_balance_threshold_paise,
            (select w.balance_paise from public.wallets w where w.org_id = o.id) as balance_paise,
            (select count(*)::int from public.channels c where c.org_id = o.id and c.status = 'connected') as connected_channels,
            (select count(*)::int from public.contacts k where k.org_id = o.id) as contacts,
            (select count(*)::int from public.messages m
              where m.org_id = o.id and m.direction = 'outbound' and m.created_at > now() - interval '7 days') as sent_7d,
            (select count(*)::int from public.messages m
              where m.org_id = o.id and m.direction = 'inbound' and m.created_at > now() - interval '7 days') as received_7d
       from public.organizations o where o.id = $1`,
    [orgId],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    id: r.id,
    name: r.name,
    status: r.status,
    serviceFeePaise: r.service_fee_paise,
    lowBalanceThresholdPaise: r.low_balance_threshold_paise,
    balancePaise: r.balance_paise ?? 0,
    connectedChannels: r.connected_channels,
    contacts: r.contacts,
    sentLast7Days: r.sent_7d,
    receivedLast7Days: r.received_7d,
  };
}

/** The three first steps, each ticked from real data. */
export interface SetupProgress {
  channelConnected: boolean;
  walletCredited: boolean;
  firstMessageSent: boolean;
}

export async function getSetupProgress(db: Db, orgId: string): Promise<SetupProgress> {
  const { rows } = await db.query<{ channel: boolean; credited: boolean; sent: boolean }>(
    `select exists (select 1 from public.channels c where c.org_id = $1) as channel,
            exists (select 1 from public.wallet_transactions t where t.org_id = $1 and t.kind = 'credit') as credited,
            exists (select 1 from public.messages m where m.org_id = $1 and m.direction = 'outbound') as sent`,
    [orgId],
  );
  return { channelConnected: rows[0].channel, walletCredited: rows[0].credited, firstMessageSent: rows[0].sent };
}

export function setupComplete(p: SetupProgress): boolean {
  return p.channelConnected && p.walletCredited && p.firstMessageSent;
}
