import { variableCount } from "./schema";

// Checks a template message's parameters (the send body's `template.components`, Meta's send
// shape) against the template's definition (its stored components, Meta's template shape) before
// anything is charged: Meta would otherwise refuse it with 132000 after the fee was taken. Pure.
//
// Send shape: [{type:"header", parameters:[{type:"text",text}|{type:"image",image:{link|id}}…]},
//              {type:"body", parameters:[{type:"text",text}|{type:"currency",…}|{type:"date_time",…}]},
//              {type:"button", sub_type:"url", index:"0", parameters:[{type:"text",text}]}]

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const plural = (n: number) => `${n} parameter${n === 1 ? "" : "s"}`;

const MEDIA = new Set(["IMAGE", "VIDEO", "DOCUMENT"]);
const BODY_TYPES = new Set(["text", "currency", "date_time"]);

function paramError(where: string, p: unknown, i: number, allowed: Set<string>): string | null {
  if (!isObj(p) || typeof p.type !== "string") return `${where} parameter ${i + 1} needs a type`;
  if (!allowed.has(p.type)) return `${where} parameter ${i + 1} must be of type ${[...allowed].join(" or ")}, got ${p.type}`;
  if (p.type === "text" && (typeof p.text !== "string" || !p.text.trim())) return `${where} parameter ${i + 1} needs a non-empty text`;
  if (p.type === "text" && (p.text as string).length > 1024) return `${where} parameter ${i + 1} is longer than 1,024 characters`;
  if (p.type === "currency" && (!isObj(p.currency) || typeof p.currency.fallback_value !== "string")) return `${where} parameter ${i + 1} needs currency.fallback_value`;
  if (p.type === "date_time" && (!isObj(p.date_time) || typeof p.date_time.fallback_value !== "string")) return `${where} parameter ${i + 1} needs date_time.fallback_value`;
  if (p.type === "payload" && typeof p.payload !== "string") return `${where} parameter ${i + 1} needs a payload`;
  if (["image", "video", "document"].includes(p.type)) {
    const m = p[p.type];
    if (!isObj(m) || Boolean(m.link) === Boolean(m.id)) return `${where} parameter ${i + 1} needs ${p.type}.link or ${p.type}.id`;
  }
  return null;
}

/**
 * Returns the problems, one readable sentence each ("body expects 2 parameters, got 1"); an
 * empty list means Meta will accept the parameters.
 */
export function validateTemplateParams(definition: unknown[], send: unknown[] | undefined): string[] {
  const errors: string[] = [];
  const def = definition.filter(isObj);
  const find = (type: string) => def.find((c) => String(c.type).toUpperCase() === type);
  const header = find("HEADER");
  const body = find("BODY");
  const buttons = (find("BUTTONS")?.buttons as unknown[] | undefined)?.filter(isObj) ?? [];

  const given = send ?? [];
  const seen = new Set<string>();
  const sent = { header: null as Obj | null, body: null as Obj | null, buttons: new Map<number, Obj>() };
  for (const [i, c] of given.entries()) {
    if (!isObj(c) || typeof c.type !== "string") {
      errors.push(`component ${i + 1} needs a type (header, body or button)`);
      continue;
    }
    const type = c.type.toLowerCase();
    if (type === "header" || type === "body") {
      if (seen.has(type)) errors.push(`${type} is given more than once`);
      seen.add(type);
      sent[type] = c;
    } else if (type === "button") {
      const index = Number(c.index);
      if (!Number.isInteger(index) || index < 0) {
        errors.push(`button component ${i + 1} needs an index (0 for the first button)`);
        continue;
      }
      if (sent.buttons.has(index)) errors.push(`button ${index} is given more than once`);
      sent.buttons.set(index, c);
    } else {
      errors.push(`component type ${c.type} is not header, body or button`);
    }
  }
  const params = (c: Obj | null) => (c && Array.isArray(c.parameters) ? c.parameters : c ? null : []);

  // Header: n text parameters for a text header with {{1}}; one media parameter for a media header.
  const hp = params(sent.header);
  if (hp === null) errors.push("header needs a parameters array");
  else {
    const format = header ? String(header.format ?? "TEXT").toUpperCase() : null;
    if (format && MEDIA.has(format)) {
      const kind = format.toLowerCase();
      if (hp.length !== 1) errors.push(`header expects 1 ${kind} parameter, got ${hp.length}`);
      else {
        const e = paramError("header", hp[0], 0, new Set([kind]));
        if (e) errors.push(e);
      }
    } else {
      const want = format === "TEXT" ? variableCount(header?.text as string | undefined) : 0;
      if (hp.length !== want) errors.push(`header expects ${plural(want)}, got ${hp.length}`);
      else hp.forEach((p, i) => {
        const e = paramError("header", p, i, new Set(["text"]));
        if (e) errors.push(e);
      });
    }
  }

  // Body: {{1}}..{{n}}.
  const bp = params(sent.body);
  if (bp === null) errors.push("body needs a parameters array");
  else {
    const want = variableCount(body?.text as string | undefined);
    if (bp.length !== want) errors.push(`body expects ${plural(want)}, got ${bp.length}`);
    else bp.forEach((p, i) => {
      const e = paramError("body", p, i, BODY_TYPES);
      if (e) errors.push(e);
    });
  }

  // Buttons: a URL button ending in {{1}} needs its suffix; quick replies may carry a payload.
  buttons.forEach((b, index) => {
    const type = String(b.type).toUpperCase();
    const dynamic = (type === "URL" && variableCount(b.url as string) > 0) || type === "OTP";
    const c = sent.buttons.get(index);
    if (dynamic && !c) errors.push(`button ${index} (${String(b.text ?? type)}) expects 1 parameter (the URL suffix), got none`);
  });
  for (const [index, c] of sent.buttons) {
    const b = buttons[index];
    if (!b) {
      errors.push(`button ${index} does not exist in this template (it has ${buttons.length} button${buttons.length === 1 ? "" : "s"})`);
      continue;
    }
    const type = String(b.type).toUpperCase();
    const subType = String(c.sub_type ?? "").toLowerCase();
    const p = Array.isArray(c.parameters) ? c.parameters : [];
    if (type === "URL" || type === "OTP") {
      const want = type === "OTP" || variableCount(b.url as string) > 0 ? 1 : 0;
      if (subType !== "url") errors.push(`button ${index} is a URL button: use sub_type "url"`);
      else if (p.length !== want) errors.push(`button ${index} expects ${plural(want)}, got ${p.length}`);
      else p.forEach((x, i) => {
        const e = paramError(`button ${index}`, x, i, new Set(["text"]));
        if (e) errors.push(e);
      });
    } else if (type === "QUICK_REPLY") {
      if (subType !== "quick_reply") errors.push(`button ${index} is a quick reply: use sub_type "quick_reply"`);
      else if (p.length > 1) errors.push(`button ${index} takes at most 1 payload parameter, got ${p.length}`);
      else p.forEach((x, i) => {
        const e = paramError(`button ${index}`, x, i, new Set(["payload"]));
        if (e) errors.push(e);
      });
    } else {
      errors.push(`button ${index} (${type}) takes no parameters`);
    }
  }
  return errors;
}

/** The body's text with the send's parameters filled in (for the inbox); null without a body. */
export function renderTemplateBody(definition: unknown[], send: unknown[] | undefined): string | null {
  const body = definition.filter(isObj).find((c) => String(c.type).toUpperCase() === "BODY");
  if (typeof body?.text !== "string") return null;
  const given = (send ?? []).filter(isObj).find((c) => String(c.type).toLowerCase() === "body");
  const params = Array.isArray(given?.parameters) ? given.parameters.filter(isObj) : [];
  const value = (p: Obj | undefined): string | null => {
    if (!p) return null;
    if (typeof p.text === "string") return p.text;
    const inner = p[String(p.type)];
    return isObj(inner) && typeof inner.fallback_value === "string" ? inner.fallback_value : null;
  };
  return body.text.replace(/\{\{\s*(\d+)\s*\}\}/g, (all, n: string) => value(params[Number(n) - 1]) ?? all).slice(0, 4096);
}
