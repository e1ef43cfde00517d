import type { TemplateComponentView } from "./types";

/** Replaces {{n}} with values[n-1] (or leaves the placeholder when the value is empty). */
export function fill(text: string, values: string[]): string {
  return text.replace(/\{\{\s*(\d+)\s*\}\}/g, (all, n: string) => values[Number(n) - 1]?.trim() || all);
}

/**
 * A template as WhatsApp shows it: an outgoing bubble with header, body, footer and buttons,
 * variables filled in with the given values (or examples).
 */
export function TemplatePreview({
  components,
  headerValues = [],
  bodyValues = [],
  label = "Preview",
}: {
  components: TemplateComponentView[];
  headerValues?: string[];
  bodyValues?: string[];
  label?: string;
}) {
  const header = components.find((c) => c.type === "HEADER");
  const body = components.find((c) => c.type === "BODY");
  const footer = components.find((c) => c.type === "FOOTER");
  const buttons = components.find((c) => c.type === "BUTTONS")?.buttons ?? [];
  return (
    <figure aria-label={label} className="rounded-xl bg-surface-3 p-4">
      <div className="ml-auto max-w-sm rounded-lg rounded-tr-none bg-bubble-out px-3 py-2 text-sm shadow-sm">
        {header ? (
          header.format && header.format !== "TEXT" ? (
            <div className="mb-2 flex h-24 items-center justify-center rounded bg-surface-2 text-xs text-text">{header.format.toLowerCase()}</div>
          ) : (
            <p className="mb-1 font-semibold break-words">{fill(header.text ?? "", headerValues)}</p>
          )
        ) : null}
        <p className="whitespace-pre-wrap break-words">{body?.text ? fill(body.text, bodyValues) : <span className="italic">Body text</span>}</p>
        {footer?.text ? <p className="mt-1 text-xs">{footer.text}</p> : null}
      </div>
      {buttons.length ? (
        <ul className="ml-auto mt-1 grid max-w-sm gap-1">
          {buttons.map((b, i) => (
            <li key={i} className="rounded-lg bg-bubble-out px-3 py-1.5 text-center text-sm font-medium text-text">
              {b.text || "Button"}
            </li>
          ))}
        </ul>
      ) : null}
    </figure>
  );
}
