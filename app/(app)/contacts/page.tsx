import type { Metadata } from "next";
import { requirePageOrg } from "@/app/_server/page-caller";
import { ContactsManager } from "@/components/contacts/contacts-manager";
import { PAGE_SIZE, type ContactPage } from "@/components/contacts/types";
import { listContacts } from "@/lib/contacts/contacts";
import { withTenant } from "@/lib/db/tx";

export const metadata: Metadata = { title: "Contacts" };

export default async function ContactsPage() {
  const caller = await requirePageOrg();
  // The first page comes with the HTML; SWR takes over for search and paging. The tag chips load
  // in the browser: counting tags reads every contact, which should not hold up the page.
  const page = await withTenant(caller.claims, (db) => listContacts(db, caller.orgId, { limit: PAGE_SIZE }));
  const initialPage = JSON.parse(JSON.stringify(page)) as ContactPage;
  return <ContactsManager canAdmin={caller.role === "owner" || caller.role === "admin"} initialPage={initialPage} />;
}
