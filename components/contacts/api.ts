"use client";

import { RequestError } from "@/components/settings/api";

/** An API error with everything the server said (e.g. existing_id on a 409). */
export class ContactRequestError extends RequestError {
  constructor(
    message: string,
    status: number,
    fields: Record<string, string>,
    readonly code: string,
    readonly details: Record<string, unknown>,
  ) {
    super(message, status, fields);
  }
}

/**
 * Calls a contacts route. Field errors are keyed by their first path segment ("tags.3" → "tags")
 * so each form field can show its own message.
 */
export async function contactsApi<T>(url: string, init: { method?: string; body?: unknown; form?: FormData } = {}): Promise<T> {
  const res = await fetch(url, {
    method: init.method ?? "GET",
    headers: init.body === undefined ? undefined : { "content-type": "application/json" },
    body: init.form ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
  });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const error = ((data as { error?: Record<string, unknown> } | null)?.error ?? {}) as Record<string, unknown>;
    const fields: Record<string, string> = {};
    for (const f of (error.fields as Array<{ path: string; message: string }> | undefined) ?? []) {
      fields[f.path.split(".")[0] || "_"] ??= f.message;
    }
    throw new ContactRequestError(
      typeof error.message === "string" ? error.message : `Request failed (${res.status})`,
      res.status,
      fields,
      typeof error.code === "string" ? error.code : "error",
      error,
    );
  }
  return data as T;
}

export const contactsFetcher = <T,>(url: string) => contactsApi<T>(url);
