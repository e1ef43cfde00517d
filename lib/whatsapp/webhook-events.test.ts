import { describe, expect, it } from "vitest";
import { MalformedWebhookError, parseWebhook } from "./webhook-events";
import { combineChanges, combineEntries, fieldPayload, inboundTextPayload, statusPayload, templateStatusPayload } from "./webhook-payloads";

const meta = { phoneNumberId: "106540352242922", displayPhoneNumber: "+1 555 0100", wabaId: "102290129340398" };

describe("parseWebhook", () => {
  it("gives each message, status and other change a stable id, the same on every delivery", () => {
    const payload = combineEntries(
      combineChanges(
        inboundTextPayload(meta, { from: "16505551234", wamid: "wamid.A", text: "hi", profileName: "Kerry" }),
        statusPayload(meta, { wamid: "wamid.B", recipientId: "16505551234", status: "delivered" }),
        statusPayload(meta, { wamid: "wamid.B", recipientId: "16505551234", status: "failed", error: { code: 131026, title: "Message undeliverable" } }),
      ),
      templateStatusPayload({ wabaId: meta.wabaId, templateId: "1", name: "hello", event: "APPROVED" }),
    );
    const raw = JSON.stringify(payload);
    const a = parseWebhook(raw);
    expect(a.map((e) => e.eventId.replace(/[0-9a-f]{64}$/, "<hash>"))).toEqual([
      "msg:wamid.A",
      "status:wamid.B:delivered",
      "status:wamid.B:failed",
      "message_template_status_update:<hash>",
    ]);
    expect(parseWebhook(raw).map((e) => e.eventId)).toEqual(a.map((e) => e.eventId));
    expect(a[0]).toMatchObject({ kind: "message", from: "16505551234", profileName: "Kerry", type: "text", text: "hi", phoneNumberId: meta.phoneNumberId });
    expect(a[2]).toMatchObject({ kind: "status", status: "failed", errorCode: 131026, errorTitle: "Message undeliverable" });
    expect(a[1]).toMatchObject({ kind: "status", errorCode: null });
    expect(a[3]).toMatchObject({ kind: "template_status", wabaId: meta.wabaId, phoneNumberId: null });
  });

  it("keeps one copy of an item repeated inside one POST", () => {
    const p = inboundTextPayload(meta, { from: "1", wamid: "wamid.X", text: "hi" });
    expect(parseWebhook(JSON.stringify(combineEntries(p, p)))).toHaveLength(1);
  });

  it("keeps items it cannot read as 'other' events instead of dropping them", () => {
    const payload = inboundTextPayload(meta, { from: "1", wamid: "wamid.Y", text: "hi" });
    const value = payload.entry[0].changes[0].value as Record<string, unknown>;
    value.messages = [{ type: "text", text: { body: "no id" } }];
    value.statuses = [{ id: "wamid.Z", status: "deleted", timestamp: "1" }];
    const events = parseWebhook(JSON.stringify(payload));
    expect(events.map((e) => e.kind)).toEqual(["other", "other"]);
    expect(events.every((e) => e.phoneNumberId === meta.phoneNumberId)).toBe(true);
  });

  it("maps other fields by name, and a messages change without metadata to 'messages'", () => {
    const events = parseWebhook(JSON.stringify(combineEntries(fieldPayload("w", "account_update", { event: "X" }), fieldPayload("w", "messages", { weird: true }))));
    expect(events.map((e) => e.kind)).toEqual(["account_update", "messages"]);
  });

  it("rejects bodies that are not JSON or not an envelope", () => {
    for (const raw of ["", "nope", "[1]", "{}", '{"entry":"x"}']) expect(() => parseWebhook(raw), raw).toThrow(MalformedWebhookError);
  });

  it("accepts an envelope with no changes (nothing to store)", () => {
    expect(parseWebhook('{"object":"whatsapp_business_account","entry":[{"id":"1"}]}')).toEqual([]);
  });
});
