"use client";

import { useState } from "react";

export type FieldErrors = Record<string, string>;

interface ApiErrorBody {
  error?: { code?: string; message?: string; fields?: Array<{ path: string; message: string }> };
}

/**
 * Posts a form's values as JSON to one of our API routes and keeps what the server said:
 * per-field messages (shown next to each field) and a message for the whole form.
 */
export function useJsonForm<T = unknown>(url: string) {
  const [pending, setPending] = useState(false);
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);

  async function submit(values: Record<string, unknown>): Promise<T | null> {
    setPending(true);
    setFormError(null);
    setFieldErrors({});
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(values),
      });
      const body = (await res.json().catch(() => ({}))) as T & ApiErrorBody;
      if (res.ok) return body;
      const fields: FieldErrors = {};
      for (const f of body.error?.fields ?? []) if (f.path && !fields[f.path]) fields[f.path] = f.message;
      setFieldErrors(fields);
      // The form-level message only when no field carries it already.
      if (!Object.keys(fields).length || res.status === 429) {
        setFormError(body.error?.message ?? "Something went wrong. Please try again.");
      }
      return null;
    } catch {
      setFormError("Could not reach the server. Check your connection and try again.");
      return null;
    } finally {
      setPending(false);
    }
  }

  return { submit, pending, fieldErrors, formError };
}
