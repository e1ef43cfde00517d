import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as webhookRoute from "../../app/api/webhook/route";
import { closePools } from "../../lib/db/pool";
import { withService } from "../../lib/db/tx";
import { inboundTextPayload } from "../../lib/whatsapp/webhook-payloads";
import { serveRoutes } from "../helpers/serve-routes";
import { makeOrgWithChannel, postWebhook, waId, wamid } from "../helpers/webhook";

let server: Awaited<ReturnType<typeof serveRoutes>>;
beforeAll(async () => {
  server = await serveRoutes({ "/api/webhook": webhookRoute });
});
afterAll(async () => {
  await server.close();
  await closePools();
});

async function contact(orgId: string, wa: string) {
  const { rows } = await withService((db) =>
    db.query<{ opted_out: boolean; opted_out_at: Date | null }>(
      "select opted_out, opted_out_at from public.contacts where org_id = $1 and wa_id = $2",
      [orgId, wa],
    ),
  );
  return rows[0];
}

describe("STOP / START keywords", () => {
  it.each(["STOP", "stop", "  Stop  ", "UNSUBSCRIBE", "stop all", "STOP   ALL", "Opt Out", "opt out\n"])(
    "%j opts the contact out; START opts back in",
    async (word) => {
      const { orgId, channel } = await makeOrgWithChannel();
      const from = waId();
      const t0 = Math.floor(Date.now() / 1000) * 1000 - 120_000;
      await postWebhook(server.url, inboundTextPayload(channel.meta, { from, wamid: wamid(), text: "hello", at: new Date(t0) }));
      expect(await contact(orgId, from)).toMatchObject({ opted_out: false, opted_out_at: null });
      await postWebhook(server.url, inboundTextPayload(channel.meta, { from, wamid: wamid(), text: word, at: new Date(t0 + 10_000) }));
      const out = await contact(orgId, from);
      expect(out.opted_out).toBe(true);
      expect(out.opted_out_at?.getTime()).toBe(t0 + 10_000);
      await postWebhook(server.url, inboundTextPayload(channel.meta, { from, wamid: wamid(), text: word.includes("all") ? "subscribe" : "START", at: new Date(t0 + 20_000) }));
      expect(await contact(orgId, from)).toMatchObject({ opted_out: false, opted_out_at: null });
    },
  );

  it("ignores sentences that merely contain a keyword", async () => {
    const { orgId, channel } = await makeOrgWithChannel();
    const from = waId();
    for (const text of ["please don't stop", "stop it now", "stopp", "START? maybe"]) {
      await postWebhook(server.url, inboundTextPayload(channel.meta, { from, wamid: wamid(), text }));
    }
    expect((await contact(orgId, from)).opted_out).toBe(false);
  });

  it("a first message that is STOP creates the contact opted out", async () => {
    const { orgId, channel } = await makeOrgWithChannel();
    const from = waId();
    await postWebhook(server.url, inboundTextPayload(channel.meta, { from, wamid: wamid(), text: "STOP" }));
    expect((await contact(orgId, from)).opted_out).toBe(true);
  });

  it("keeps the newest keyword when they arrive out of order (START sent after STOP, delivered before it)", async () => {
    const { orgId, channel } = await makeOrgWithChannel();
    const from = waId();
    const t0 = Math.floor(Date.now() / 1000) * 1000 - 60_000;
    await postWebhook(server.url, inboundTextPayload(channel.meta, { from, wamid: wamid(), text: "START", at: new Date(t0 + 5_000) }));
    await postWebhook(server.url, inboundTextPayload(channel.meta, { from, wamid: wamid(), text: "STOP", at: new Date(t0) }));
    expect((await contact(orgId, from)).opted_out).toBe(false);
    // And the other way round.
    const other = waId();
    await postWebhook(server.url, inboundTextPayload(channel.meta, { from: other, wamid: wamid(), text: "STOP", at: new Date(t0 + 5_000) }));
    await postWebhook(server.url, inboundTextPayload(channel.meta, { from: other, wamid: wamid(), text: "START", at: new Date(t0) }));
    expect((await contact(orgId, other)).opted_out).toBe(true);
  });
});

describe("manual consent changes and keywords", () => {
  it("a keyword sent before a manual opt-in does not undo it; one sent after does", async () => {
    const { orgId, channel } = await makeOrgWithChannel();
    const from = waId();
    const before = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
    await postWebhook(server.url, inboundTextPayload(channel.meta, { from, wamid: wamid(), text: "STOP", at: new Date(before.getTime() - 60_000) }));
    // The business opts the contact back in by hand (as the contacts service does: no consent time given).
    await withService((db) => db.query("update public.contacts set opted_out = false, opted_out_at = null where org_id = $1 and wa_id = $2", [orgId, from]));
    // A STOP sent a minute ago, delivered only now: older than the manual change.
    await postWebhook(server.url, inboundTextPayload(channel.meta, { from, wamid: wamid(), text: "STOP", at: before }));
    expect((await contact(orgId, from)).opted_out).toBe(false);
    // A STOP sent after the change applies.
    await postWebhook(server.url, inboundTextPayload(channel.meta, { from, wamid: wamid(), text: "STOP", at: new Date(Date.now() + 2_000) }));
    expect((await contact(orgId, from)).opted_out).toBe(true);
  });
});
