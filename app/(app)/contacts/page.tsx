import type { Metadata } from "next";
import { requirePageOrg } from "@/app/_server/page-caller";
import { ContactsManager } from "@/components/contacts/contacts-manager";
import { PAGE_SIZE, type ContactPage, type TagCount } from "@/components/contacts/types";
import { listContacts, tagsInUse } from "@/lib/contacts/contacts";
import { withTenant } from "@/lib/db/tx";

export const metadata: Metadata = { title: "Contacts" };

export default async function ContactsPage() {
  const caller = await requirePageOrg();
  // The first page and the tag chips come with the HTML; SWR takes over for search and paging.
  const { page, tags } = await withTenant(caller.claims, async (db) => ({
    page: await listContacts(db, caller.orgId, { limit: PAGE_SIZE }),
    tags: await tagsInUse(db, caller.orgId),
  }));
  const initialPage = JSON.parse(JSON.stringify(page)) as ContactPage;
  return (
    <ContactsManager
      canAdmin={caller.role === "owner" || caller.role === "admin"}
      initialPage={initialPage}
      initialTags={tags as TagCount[]}
    />
  );
}
