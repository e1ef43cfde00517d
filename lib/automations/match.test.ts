import { describe, expect, it } from "vitest";
import { planAutoReply, REPLY_WINDOW_MS, type InboundForReply } from "./auto-reply";
import { matchRule, type MatchableRule } from "./match";

const rule = (id: string, match_type: MatchableRule["match_type"], keyword: string, priority = 100, extra: Partial<MatchableRule> = {}) => ({
  id,
  match_type,
  keyword,
  priority,
  enabled: true,
  reply_text: `reply ${id}`,
  ...extra,
});

describe("matchRule", () => {
  it("exact matches the whole text, ignoring case, surrounding and repeated whitespace", () => {
    const rules = [rule("a", "exact", "Hi there")];
    for (const t of ["hi there", "HI THERE", "  Hi   there \n"]) expect(matchRule(rules, t)?.id, t).toBe("a");
    for (const t of ["hi there!", "oh hi there", "hi"]) expect(matchRule(rules, t), t).toBeNull();
  });

  it("contains and starts_with", () => {
    const rules = [rule("c", "contains", "price"), rule("s", "starts_with", "order", 50)];
    expect(matchRule(rules, "What's the PRICE?")?.id).toBe("c");
    expect(matchRule(rules, "Order status please")?.id).toBe("s");
    expect(matchRule(rules, "my order status")).toBeNull();
    expect(matchRule(rules, "pric")).toBeNull();
  });

  it("takes the lowest priority number first, then the oldest rule; skips disabled rules", () => {
    const rules = [
      rule("late", "contains", "help", 10, { created_at: "2026-01-02T00:00:00Z" }),
      rule("early", "contains", "help", 10, { created_at: "2026-01-01T00:00:00Z" }),
      rule("first-but-off", "contains", "help", 1, { enabled: false }),
      rule("generic", "contains", "h", 20),
    ];
    expect(matchRule(rules, "I need help")?.id).toBe("early");
    expect(matchRule(rules, "hello")?.id).toBe("generic");
    expect(matchRule([...rules].reverse(), "I need help")?.id).toBe("early");
  });

  it("no rules, empty or blank text: nothing", () => {
    expect(matchRule([], "hi")).toBeNull();
    expect(matchRule([rule("a", "contains", "a")], "   ")).toBeNull();
  });

  it("compares Unicode text by compatibility form (full-width letters match)", () => {
    expect(matchRule([rule("a", "exact", "hello")], "ＨＥＬＬＯ")?.id).toBe("a");
    expect(matchRule([rule("n", "contains", "नमस्ते")], "नमस्ते जी")?.id).toBe("n");
  });
});

describe("planAutoReply", () => {
  const base: InboundForReply = {
    id: "m1",
    orgId: "o1",
    channelId: "ch1",
    type: "text",
    text: "hi",
    at: new Date(),
    contactWaId: "919800000001",
    contactOptedOut: false,
    isConsentKeyword: false,
  };
  const rules = [rule("r", "exact", "hi")];

  it("plans a reply through the send pipeline, tied to the inbound message", () => {
    const plan = planAutoReply(base, rules);
    expect(plan).toEqual({
      send: true,
      rule: rules[0],
      input: {
        orgId: "o1",
        channelId: "ch1",
        to: "919800000001",
        message: { type: "text", text: { body: "reply r" } },
        replyToMessageId: "m1",
        source: "auto_reply",
      },
    });
  });

  it("never replies to opted-out contacts, keywords, non-text, old messages or when nothing matches", () => {
    expect(planAutoReply({ ...base, contactOptedOut: true }, rules)).toEqual({ send: false, reason: "opted_out" });
    expect(planAutoReply({ ...base, isConsentKeyword: true }, rules)).toEqual({ send: false, reason: "consent_keyword" });
    expect(planAutoReply({ ...base, type: "image" }, rules)).toEqual({ send: false, reason: "not_text" });
    expect(planAutoReply({ ...base, at: new Date(Date.now() - REPLY_WINDOW_MS - 1000) }, rules)).toEqual({ send: false, reason: "outside_window" });
    expect(planAutoReply({ ...base, text: "hello" }, rules)).toEqual({ send: false, reason: "no_match" });
    expect(planAutoReply({ ...base, channelId: null }, rules)).toEqual({ send: false, reason: "no_channel" });
  });
});
