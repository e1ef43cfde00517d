"use client";

import Link from "next/link";
import { useState } from "react";
import { Button, Field, Input } from "@/components/ui";
import { useJsonForm } from "@/components/forms/use-json-form";
import { FormAlert } from "@/components/forms/form-alert";

interface SignupAnswer {
  user: { id: string; email: string } | null;
  needsEmailConfirmation?: boolean;
  message?: string;
  next?: string;
}

export function SignupForm() {
  const { submit, pending, fieldErrors, formError } = useJsonForm<SignupAnswer>("/api/auth/signup");
  const [confirm, setConfirm] = useState<string | null>(null);

  async function onSubmit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const answer = await submit({
      fullName: data.get("fullName"),
      email: data.get("email"),
      password: data.get("password"),
    });
    if (!answer) return;
    if (answer.user) window.location.assign(answer.next ?? "/onboarding");
    else setConfirm(answer.message ?? "Check your inbox to confirm your email address.");
  }

  if (confirm) {
    return (
      <div role="status" className="space-y-3 text-sm">
        <p className="font-medium">Almost there</p>
        <p className="text-muted">{confirm}</p>
        <Link href="/login" className="font-medium text-accent hover:underline">
          Back to sign in
        </Link>
      </div>
    );
  }

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-4">
      <FormAlert message={formError} />
      <Field label="Full name" htmlFor="fullName" error={fieldErrors.fullName} hint="Optional">
        <Input id="fullName" name="fullName" autoComplete="name" maxLength={120} autoFocus />
      </Field>
      <Field label="Work email" htmlFor="email" error={fieldErrors.email}>
        <Input
          id="email"
          name="email"
          type="email"
          autoComplete="email"
          inputMode="email"
          required
          aria-invalid={Boolean(fieldErrors.email)}
          aria-describedby={fieldErrors.email ? "email-error" : undefined}
        />
      </Field>
      <Field label="Password" htmlFor="password" error={fieldErrors.password} hint="8 to 128 characters">
        <Input
          id="password"
          name="password"
          type="password"
          autoComplete="new-password"
          required
          minLength={8}
          maxLength={128}
          aria-invalid={Boolean(fieldErrors.password)}
          aria-describedby={fieldErrors.password ? "password-error" : "password-hint"}
        />
      </Field>
      <Button type="submit" disabled={pending} className="w-full py-2.5">
        {pending ? "Creating your account…" : "Create account"}
      </Button>
      <p className="text-center text-sm text-muted">
        Already have an account?{" "}
        <Link href="/login" className="font-medium text-accent hover:underline">
          Sign in
        </Link>
      </p>
    </form>
  );
}
