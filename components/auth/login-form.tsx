"use client";

import Link from "next/link";
import { Button, Field, Input } from "@/components/ui";
import { useJsonForm } from "@/components/forms/use-json-form";
import { FormAlert } from "@/components/forms/form-alert";

export function LoginForm({ next }: { next: string }) {
  const { submit, pending, fieldErrors, formError } = useJsonForm("/api/auth/login");

  async function onSubmit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const ok = await submit({ email: data.get("email"), password: data.get("password") });
    // A full navigation, so every server component renders with the new session cookie.
    if (ok) window.location.assign(next);
  }

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-4">
      <FormAlert message={formError} />
      <Field label="Email" htmlFor="email" error={fieldErrors.email}>
        <Input
          id="email"
          name="email"
          type="email"
          autoComplete="email"
          inputMode="email"
          required
          autoFocus
          aria-invalid={Boolean(fieldErrors.email)}
          aria-describedby={fieldErrors.email ? "email-error" : undefined}
        />
      </Field>
      <Field label="Password" htmlFor="password" error={fieldErrors.password}>
        <Input
          id="password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          aria-invalid={Boolean(fieldErrors.password)}
          aria-describedby={fieldErrors.password ? "password-error" : undefined}
        />
      </Field>
      <Button type="submit" disabled={pending} className="w-full py-2.5">
        {pending ? "Signing in…" : "Sign in"}
      </Button>
      <p className="text-center text-sm text-muted">
        New here?{" "}
        <Link href="/signup" className="font-medium text-accent hover:underline">
          Create an account
        </Link>
      </p>
    </form>
  );
}
