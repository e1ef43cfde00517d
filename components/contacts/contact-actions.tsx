"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { Button } from "@/components/ui";
import { ContactForm } from "./contact-form";
import { SidePanel } from "./side-panel";
import { displayName, type ContactDto } from "./types";

/** Edit (and, for owners and admins, delete) from the contact's own page. */
export function ContactActions({ contact, canAdmin }: { contact: ContactDto; canAdmin: boolean }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button variant="secondary" onClick={() => setOpen(true)}>
        Edit
      </Button>
      {open ? (
        <SidePanel title={`Edit ${displayName(contact)}`} onClose={() => setOpen(false)}>
          <ContactForm
            contact={contact}
            canAdmin={canAdmin}
            onCancel={() => setOpen(false)}
            onSaved={() => {
              setOpen(false);
              router.refresh();
            }}
            onDeleted={() => {
              router.push("/contacts");
              router.refresh();
            }}
          />
        </SidePanel>
      ) : null}
    </>
  );
}
