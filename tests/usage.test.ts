import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { closePools } from "../lib/db/pool";
import { withService } from "../lib/db/tx";
import { monthUsage } from "../lib/orgs/usage";
import { credit, debit, refund } from "../lib/wallet/wallet";
import { makeOrg } from "./helpers/factories";

afterAll(closePools);

describe("month usage", () => {
  it("counts this month's messages and net fees, and RLS hides another org's usage", async () => {
    const a = await makeOrg();
    const b = await makeOrg();
    await withService(async (db) => {
      await credit(db, { orgId: a.orgId, amountPaise: 1000, reference: `t:${randomUUID()}` });
      for (const status of ["sent", "delivered", "failed"]) {
        const { rows } = await db.query<{ id: string }>(
          "insert into public.messages (org_id, direction, type, status, fee_paise) values ($1, 'outbound', 'text', $2, 20) returning id",
          [a.orgId, status],
        );
        await debit(db, { orgId: a.orgId, amountPaise: 20, reference: `msg:${rows[0].id}`, messageId: rows[0].id });
        if (status === "failed") await refund(db, { debitReference: `msg:${rows[0].id}` });
      }
      await db.query("insert into public.messages (org_id, direction, type, status) values ($1, 'inbound', 'text', 'received')", [a.orgId]);
    });
    const usage = await a.asUser((db) => monthUsage(db, a.orgId));
    expect(usage).toEqual({ messagesSent: 2, messagesFailed: 1, messagesReceived: 1, feesPaidPaise: 40, refundsPaise: 20 });
    const hidden = await b.asUser((db) => monthUsage(db, a.orgId));
    expect(hidden).toEqual({ messagesSent: 0, messagesFailed: 0, messagesReceived: 0, feesPaidPaise: 0, refundsPaise: 0 });
  });

  it("the month is India's, whatever the session's time zone", async () => {
    const c = await makeOrg();
    const usage = await withService(async (db) => {
      // One message a minute into this India month (still last month in UTC and New York), one a minute before it.
      for (const offset of ["1 minute", "-1 minute"]) {
        await db.query(
          `insert into public.messages (org_id, direction, type, status, created_at)
           values ($1, 'outbound', 'text', 'sent', date_trunc('month', now() at time zone 'Asia/Kolkata') at time zone 'Asia/Kolkata' + $2::interval)`,
          [c.orgId, offset],
        );
      }
      await db.query("set local time zone 'America/New_York'");
      return monthUsage(db, c.orgId);
    });
    expect(usage.messagesSent).toBe(1);
  });
});

describe("home page figures", () => {
  it("counts today's messages by status and lists recent activity, only for the caller's organization", async () => {
    const { messagesToday, recentActivity, channelHealth } = await import("../lib/orgs/today");
    const a = await makeOrg();
    const b = await makeOrg();
    await withService(async (db) => {
      for (const status of ["sent", "delivered", "read", "read", "failed"]) {
        await db.query("insert into public.messages (org_id, direction, type, status, text) values ($1, 'outbound', 'text', $2, 'x')", [a.orgId, status]);
      }
      await db.query("insert into public.messages (org_id, direction, type, status, text, created_at) values ($1, 'outbound', 'text', 'read', 'old', now() - interval '3 days')", [a.orgId]);
      await db.query("insert into public.messages (org_id, direction, type, status, text) values ($1, 'inbound', 'text', 'received', 'hi')", [a.orgId]);
    });
    expect(await a.asUser((db) => messagesToday(db, a.orgId))).toEqual({ sent: 1, delivered: 1, read: 2, failed: 1, pending: 0, received: 1 });
    expect(await a.asUser((db) => recentActivity(db, a.orgId, 3))).toHaveLength(3);
    expect(await b.asUser((db) => messagesToday(db, a.orgId))).toEqual({ sent: 0, delivered: 0, read: 0, failed: 0, pending: 0, received: 0 });
    expect(await b.asUser((db) => recentActivity(db, a.orgId))).toEqual([]);
    expect(await b.asUser((db) => channelHealth(db, a.orgId))).toEqual([]);
  });
});
