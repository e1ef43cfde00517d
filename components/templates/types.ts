export interface TemplateButtonView {
  type: string;
  text?: string;
  url?: string;
  phone_number?: string;
}

export interface TemplateComponentView {
  type: string;
  format?: string;
  text?: string;
  buttons?: TemplateButtonView[];
  example?: { body_text?: string[][]; header_text?: string[] };
}

export interface TemplateView {
  id: string;
  waba_id: string;
  name: string;
  language: string;
  category: string;
  status: string;
  rejected_reason: string | null;
  components: TemplateComponentView[];
  updated_at: string;
}

/** How many values a text takes: its highest {{n}}. */
export function variableCount(text: string | undefined): number {
  return Math.max(0, ...[...(text ?? "").matchAll(/\{\{\s*(\d+)\s*\}\}/g)].map((m) => Number(m[1])));
}
