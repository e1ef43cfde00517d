import { randomUUID } from "node:crypto";
import { expect, test, type Page } from "@playwright/test";
import { listPages, type AppRoute } from "../tests/helpers/app-routes";

// The isolation matrix for pages (the API routes are covered by tests/isolation-matrix.test.ts).
// Every page under app/ (read from disk) is opened by a member of another organization (A): a page
// with an id in its path gets the demo organization's (B's) real id of the right kind and must show
// the not-found screen (pages stream, so that screen comes with a 200); every page must show none
// of B's data.

type PageKind = "contact" | "campaign";
/** What each dynamic page segment names, by the path up to it; "public" pages are open by design. */
const PAGE_SEGMENTS: Record<string, PageKind | { public: string }> = {
  "/contacts/[id]": "contact",
  "/campaigns/[id]": "campaign",
  "/invite/[token]": { public: "the invitation token is itself the credential; the page shows only what the token grants" },
};

function kinds(p: AppRoute): Array<PageKind | { public: string }> {
  return p.segments.map((name) => {
    const prefix = p.pattern.slice(0, p.pattern.indexOf(`[${name}]`) + name.length + 2);
    const kind = PAGE_SEGMENTS[prefix];
    if (!kind) throw new Error(`add an id mapping for ${prefix} (segment [${name}] of ${p.file}) to PAGE_SEGMENTS in e2e/isolation.spec.ts`);
    return kind;
  });
}

async function logIn(page: Page, email: string, password: string) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((u) => !u.pathname.startsWith("/login"));
}

test("every page, opened by another organization with the demo organization's ids: not found, none of its data", async ({ browser }) => {
  test.setTimeout(300_000);
  // B: the demo organization, with real contacts.
  const owner = await (await browser.newContext()).newPage();
  await logIn(owner, "demo@wa.local", "demo-password-123");
  const contacts = (await (await owner.request.get("/api/contacts?limit=5")).json()).data as Array<{ id: string; name: string | null; phone_e164: string }>;
  expect(contacts.length).toBeGreaterThan(0);
  const campaigns = (await (await owner.request.get("/api/v1/campaigns")).json()).data as Array<{ id: string; name: string }>;
  expect(campaigns.length).toBeGreaterThan(0); // the demo seed's draft
  const bIds: Record<PageKind, string> = { contact: contacts[0].id, campaign: campaigns[0].id };
  const bNames = [
    ...contacts.flatMap((c) => [c.name, c.phone_e164]).filter((x): x is string => Boolean(x && x.length >= 5)),
    ...campaigns.map((c) => c.name),
    "Demo Traders",
  ];
  // B itself sees its contact's page (so the id is real and the check below is not vacuous).
  await owner.goto(`/contacts/${bIds.contact}`);
  await expect(owner.getByRole("heading", { name: "Page not found" })).toHaveCount(0);
  await expect(owner.locator("main")).toContainText(contacts[0].name ?? contacts[0].phone_e164);
  await owner.goto(`/campaigns/${bIds.campaign}`);
  await expect(owner.locator("main")).toContainText(campaigns[0].name);

  // A: a new organization.
  const a = await (await browser.newContext()).newPage();
  await a.goto("/signup");
  await a.getByLabel("Full name").fill("Isolation Tester");
  await a.getByLabel("Work email").fill(`iso-${randomUUID().slice(0, 8)}@example.test`);
  await a.getByLabel("Password").fill("a-long-enough-password");
  await a.getByRole("button", { name: "Create account" }).click();
  await a.waitForURL(/\/onboarding/);
  await a.getByLabel("Organization name").fill("Isolation Org");
  await a.getByRole("button", { name: "Create organization" }).click();
  await expect(a.getByLabel("Organization name")).toHaveCount(0);

  const checked: string[] = [];
  for (const p of listPages()) {
    const ks = kinds(p);
    if (ks.some((k) => typeof k === "object")) continue; // public by design (see PAGE_SEGMENTS)
    let i = 0;
    const url = p.pattern.replace(/\[[^\]]+\]/g, () => bIds[ks[i++] as PageKind]);
    await a.goto(url);
    await a.waitForLoadState("networkidle");
    if (p.segments.length) await expect(a.getByRole("heading", { name: "Page not found" }), url).toBeVisible();
    const text = await a.locator("body").innerText();
    for (const secret of bNames) expect(text.includes(secret), `${url} shows B's "${secret}"`).toBe(false);
    checked.push(url);
  }
  expect(checked).toContain(`/contacts/${bIds.contact}`);
  expect(checked).toContain(`/campaigns/${bIds.campaign}`);
  expect(checked.length).toBeGreaterThan(8);
});
