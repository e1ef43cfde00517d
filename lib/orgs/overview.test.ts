import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { makeOrg } from "../../tests/helpers/factories";
import { closePools } from "../db/pool";
import { withService } from "../db/tx";
import { credit } from "../wallet/wallet";
import { getOrgOverview, getSetupProgress, setupComplete } from "./overview";

afterAll(() => closePools());

describe("organization overview and setup progress", () => {
  it("starts empty, then ticks each step from real rows", async () => {
    const org = await makeOrg({ feePaise: 25 });
    expect(await org.asUser((db) => getSetupProgress(db, org.orgId))).toEqual({
      channelConnected: false,
      walletCredited: false,
      firstMessageSent: false,
    });
    expect(await org.asUser((db) => getOrgOverview(db, org.orgId))).toMatchObject({
      balancePaise: 0,
      serviceFeePaise: 25,
      connectedChannels: 0,
      contacts: 0,
      sentLast7Days: 0,
      receivedLast7Days: 0,
    });

    const channelId = await withService(async (db) => {
      const { rows } = await db.query<{ id: string }>(
        `insert into public.channels (org_id, phone_number_id, waba_id, display_phone_number)
         values ($1, $2, 'waba-1', '+91 98765 43210') returning id`,
        [org.orgId, `pn-${randomUUID()}`],
      );
      return rows[0].id;
    });
    expect((await org.asUser((db) => getSetupProgress(db, org.orgId))).channelConnected).toBe(true);

    // An adjustment is not a recharge; only a credit ticks the wallet step.
    await withService((db) => credit(db, { orgId: org.orgId, amountPaise: 500, reference: `adj:${org.orgId}`, kind: "adjustment" }));
    expect((await org.asUser((db) => getSetupProgress(db, org.orgId))).walletCredited).toBe(false);
    await withService((db) => credit(db, { orgId: org.orgId, amountPaise: 10_000, reference: `pay:${org.orgId}` }));
    expect((await org.asUser((db) => getSetupProgress(db, org.orgId))).walletCredited).toBe(true);

    // An inbound message is not "your first message"; an outbound one is.
    const insertMessage = (direction: "inbound" | "outbound") =>
      withService((db) =>
        db.query(
          `insert into public.messages (org_id, channel_id, direction, type, status, text)
           values ($1, $2, $3, 'text', $4, 'hello')`,
          [org.orgId, channelId, direction, direction === "inbound" ? "received" : "sent"],
        ),
      );
    await insertMessage("inbound");
    expect((await org.asUser((db) => getSetupProgress(db, org.orgId))).firstMessageSent).toBe(false);
    await insertMessage("outbound");
    const progress = await org.asUser((db) => getSetupProgress(db, org.orgId));
    expect(progress).toEqual({ channelConnected: true, walletCredited: true, firstMessageSent: true });
    expect(setupComplete(progress)).toBe(true);

    expect(await org.asUser((db) => getOrgOverview(db, org.orgId))).toMatchObject({
      balancePaise: 10_500,
      connectedChannels: 1,
      sentLast7Days: 1,
      receivedLast7Days: 1,
    });
  });
});
