"use client";

import { useRouter } from "next/navigation";
import { Button, Field, Input } from "@/components/ui";
import { FormAlert } from "@/components/forms/form-alert";
import { useJsonForm } from "@/components/forms/use-json-form";

export function CreateOrgForm() {
  const router = useRouter();
  const { submit, pending, fieldErrors, formError } = useJsonForm("/api/orgs");

  async function onSubmit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    if (await submit({ name: data.get("name") })) {
      // The new organization is now the one in use (cookie); show its checklist.
      router.replace("/onboarding");
      router.refresh();
    }
  }

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-4">
      <FormAlert message={formError} />
      <Field label="Organization name" htmlFor="name" error={fieldErrors.name} hint="Your business name, as your team knows it.">
        <Input
          id="name"
          name="name"
          autoComplete="organization"
          required
          minLength={2}
          maxLength={120}
          autoFocus
          aria-invalid={Boolean(fieldErrors.name)}
          aria-describedby={fieldErrors.name ? "name-error" : "name-hint"}
        />
      </Field>
      <Button type="submit" disabled={pending} className="w-full py-2.5 sm:w-auto">
        {pending ? "Creating…" : "Create organization"}
      </Button>
    </form>
  );
}
