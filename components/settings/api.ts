"use client";

/** Calls one of our JSON routes; throws an Error carrying the API's message and field errors. */
export class RequestError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
  }
}

export async function api<T = unknown>(url: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const res = await fetch(url, {
    method: init.method ?? "GET",
    headers: init.body === undefined ? undefined : { "content-type": "application/json" },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (!res.ok) {
    const fields: Record<string, string> = {};
    for (const f of data?.error?.fields ?? []) fields[f.path] ??= f.message;
    throw new RequestError(data?.error?.message ?? `Request failed (${res.status})`, res.status, fields);
  }
  return data as T;
}

export const fetcher = <T,>(url: string) => api<T>(url);
