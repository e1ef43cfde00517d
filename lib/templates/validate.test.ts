import { describe, expect, it } from "vitest";
import { createTemplateSchema } from "./schema";
import { renderTemplateBody, validateTemplateParams } from "./validate";

const definition = [
  { type: "HEADER", format: "TEXT", text: "Order {{1}}" },
  { type: "BODY", text: "Hi {{1}}, your order {{2}} ships {{2}} today." },
  { type: "FOOTER", text: "Thanks" },
  { type: "BUTTONS", buttons: [{ type: "QUICK_REPLY", text: "Stop" }, { type: "URL", text: "Track", url: "https://x.example/t/{{1}}" }, { type: "PHONE_NUMBER", text: "Call", phone_number: "+919876543210" }] },
];
const t = (text: string) => ({ type: "text", text });
const ok = [
  { type: "header", parameters: [t("#7")] },
  { type: "body", parameters: [t("Asha"), { type: "currency", currency: { fallback_value: "₹10", code: "INR", amount_1000: 10000 } }] },
  { type: "button", sub_type: "url", index: "1", parameters: [t("7")] },
];

describe("validateTemplateParams", () => {
  it.each<[string, unknown[] | undefined, string[]]>([
    ["all parameters right (a repeated variable counts once)", ok, []],
    ["a quick-reply payload is allowed", [...ok, { type: "button", sub_type: "quick_reply", index: 0, parameters: [{ type: "payload", payload: "STOP" }] }], []],
    ["no components at all", undefined, ["header expects 1 parameter, got 0", "body expects 2 parameters, got 0", "button 1 (Track) expects 1 parameter (the URL suffix), got none"]],
    ["one body parameter missing", [ok[0], { type: "body", parameters: [t("Asha")] }, ok[2]], ["body expects 2 parameters, got 1"]],
    ["an extra header parameter", [{ type: "header", parameters: [t("a"), t("b")] }, ok[1], ok[2]], ["header expects 1 parameter, got 2"]],
    ["an image where text belongs", [{ type: "header", parameters: [{ type: "image", image: { link: "https://x.example/a.png" } }] }, ok[1], ok[2]], ["header parameter 1 must be of type text, got image"]],
    ["an empty text", [ok[0], { type: "body", parameters: [t(" "), t("x")] }, ok[2]], ["body parameter 1 needs a non-empty text"]],
    ["the body twice", [...ok, ok[1]], ["body is given more than once"]],
    ["a button that does not exist", [...ok, { type: "button", sub_type: "url", index: "5", parameters: [t("x")] }], ["button 5 does not exist in this template (it has 3 buttons)"]],
    ["a phone button with parameters", [...ok, { type: "button", sub_type: "url", index: "2", parameters: [t("x")] }], ["button 2 (PHONE_NUMBER) takes no parameters"]],
    ["the URL button with the wrong sub_type", [ok[0], ok[1], { type: "button", sub_type: "quick_reply", index: "1", parameters: [t("7")] }], ['button 1 is a URL button: use sub_type "url"']],
    ["an unknown component type", [...ok, { type: "footer", parameters: [] }], ["component type footer is not header, body or button"]],
  ])("%s", (_name, send, errors) => {
    expect(validateTemplateParams(definition, send)).toEqual(errors);
  });

  it("media headers take exactly one parameter of their kind", () => {
    const def = [{ type: "HEADER", format: "IMAGE" }, { type: "BODY", text: "Hello" }];
    expect(validateTemplateParams(def, [{ type: "header", parameters: [{ type: "image", image: { link: "https://x.example/a.png" } }] }])).toEqual([]);
    expect(validateTemplateParams(def, [])).toEqual(["header expects 1 image parameter, got 0"]);
    expect(validateTemplateParams(def, [{ type: "header", parameters: [{ type: "image", image: {} }] }])).toEqual(["header parameter 1 needs image.link or image.id"]);
    expect(validateTemplateParams(def, [{ type: "header", parameters: [{ type: "video", video: { id: "1" } }] }])).toEqual(["header parameter 1 must be of type image, got video"]);
  });

  it("fills the body for the inbox", () => {
    expect(renderTemplateBody(definition, ok)).toBe("Hi Asha, your order ₹10 ships ₹10 today.");
    expect(renderTemplateBody([{ type: "HEADER", format: "TEXT", text: "x" }], ok)).toBeNull();
  });
});

describe("createTemplateSchema", () => {
  const base = { name: "order_update", category: "utility", language: "en_US" };
  it("accepts Meta's shape in any case and upper-cases it", () => {
    const parsed = createTemplateSchema.parse({
      ...base,
      components: [
        { type: "body", text: "Hi {{1}}", example: { body_text: [["Asha"]] } },
        { type: "buttons", buttons: [{ type: "url", text: "Go", url: "https://x.example/{{1}}", example: ["a"] }] },
      ],
    });
    expect(parsed.category).toBe("UTILITY");
    expect(parsed.components.map((c) => c.type)).toEqual(["BODY", "BUTTONS"]);
  });
  it.each<[unknown[], RegExp]>([
    [[{ type: "BODY", text: "Hi {{2}}", example: { body_text: [["a"]] } }], /without gaps/],
    [[{ type: "BODY", text: "Hi {{1}} {{2}}", example: { body_text: [["a"]] } }], /2 variable\(s\) but 1 example/],
    [[{ type: "BODY", text: "Hi" }, { type: "FOOTER", text: "x {{1}}" }], /FOOTER cannot have variables/],
    [[{ type: "BODY", text: "Hi" }, { type: "BODY", text: "Again" }], /exactly one BODY/],
    [[{ type: "BODY", text: "Hi" }, { type: "BUTTONS", buttons: [{ type: "URL", text: "Go", url: "https://x.example/{{1}}/p" }] }], /may end with one variable/],
    [[{ type: "BODY", text: "Hi" }, { type: "BUTTONS", buttons: [{ type: "PHONE_NUMBER", text: "Call", phone_number: "12" }] }], /international/],
  ])("refuses %j", (components, message) => {
    const r = createTemplateSchema.safeParse({ ...base, components });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.message).join("; ")).toMatch(message);
  });
});
