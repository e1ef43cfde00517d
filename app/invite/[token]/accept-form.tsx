"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { Button, Field, Input } from "@/components/ui";
import { api, RequestError } from "@/components/settings/api";

export function AcceptInvitationForm({ token }: { token: string }) {
  const router = useRouter();
  const [fullName, setFullName] = useState("");
  const [password, setPassword] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    setMessage(undefined);
    try {
      await api("/api/invitations/accept", { method: "POST", body: { token, password, full_name: fullName || undefined } });
      router.push("/dashboard");
    } catch (err) {
      if (err instanceof RequestError) {
        setErrors(err.fields);
        setMessage(err.message);
      } else setMessage("Something went wrong. Try again.");
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} className="space-y-4" noValidate>
      <Field label="Your name" htmlFor="full-name" error={errors.full_name}>
        <Input id="full-name" value={fullName} onChange={(e) => setFullName(e.target.value)} autoComplete="name" />
      </Field>
      <Field label="Choose a password" htmlFor="password" error={errors.password} hint="At least 8 characters">
        <Input
          id="password"
          type="password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          autoComplete="new-password"
          aria-invalid={Boolean(errors.password)}
        />
      </Field>
      {message && !Object.keys(errors).length ? (
        <p role="alert" className="text-sm text-danger">
          {message}
        </p>
      ) : null}
      <Button type="submit" className="w-full" disabled={busy}>
        {busy ? "Joining…" : "Join the organization"}
      </Button>
    </form>
  );
}
