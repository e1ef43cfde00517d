import { api } from "@/components/settings/api";

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

/**
 * SWR fetcher for every page of GET /api/v1/templates (cursor-paged, at most 200 a page): the
 * Templates page and the inbox picker show the whole list, filtered by the URL's query.
 */
export async function fetchAllTemplates(url: string): Promise<{ data: TemplateView[] }> {
  const data: TemplateView[] = [];
  let cursor: string | null = null;
  do {
    const u = new URL(url, "http://local");
    u.searchParams.set("limit", "200");
    if (cursor) u.searchParams.set("cursor", cursor);
    const page = await api<{ data: TemplateView[]; next_cursor: string | null }>(u.pathname + u.search);
    data.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor);
  return { data };
}
