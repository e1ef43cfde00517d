import { mkdirSync } from "node:fs";
import { randomUUID } from "node:crypto";
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Browser, type Page } from "@playwright/test";

// Every page of the signed-in app (the seeded demo organization, which has a sandbox number,
// contacts and auto-replies) and the operator console: axe finds no serious or critical
// accessibility violation, nothing scrolls sideways, every page title starts at the same place, no
// request is missing, and each is saved to
// artifacts/screenshots/app/ in both themes at desktop and phone widths for a person to look at.

const OUT = "artifacts/screenshots/app";
const PAGES: Array<[string, string]> = [
  ["/dashboard", "dashboard"],
  ["/inbox", "inbox"],
  ["/contacts", "contacts"],
  ["/wallet", "wallet"],
  ["/channels", "channels"],
  ["/templates", "templates"],
  ["/campaigns", "campaigns"],
  ["/campaigns/new", "campaign-new"],
  ["/automations", "automations"],
  ["/analytics", "analytics"],
  ["/services", "services"],
  ["/settings", "settings"],
];

async function logIn(page: Page, email: string, password: string) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((u) => !u.pathname.startsWith("/login"));
}

async function check(page: Page, name: string) {
  await expect(page.locator("h1").first()).toBeVisible();
  await page.waitForLoadState("load");
  // Let client lists (SWR) settle so axe and the screenshot see the real content.
  await page.waitForTimeout(800);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, `${name} scrolls sideways`).toBeLessThanOrEqual(0);
  const axe = await new AxeBuilder({ page }).analyze();
  const bad = axe.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")})`);
  expect(bad, `${name} accessibility`).toEqual([]);
  await page.screenshot({ path: `${OUT}/${name}.png`, fullPage: true });
}

async function context(browser: Browser, theme: "dark" | "light", width: number) {
  const ctx = await browser.newContext({ viewport: { width, height: width > 500 ? 860 : 844 } });
  await ctx.addInitScript((t) => localStorage.setItem("theme", t), theme);
  return ctx;
}

for (const theme of ["dark", "light"] as const) {
  for (const width of [1280, 390]) {
    test(`app pages: axe and screenshots, ${theme} ${width}px`, async ({ browser }) => {
      // Generous per page: axe on a busy shared machine can take many seconds a page.
      test.setTimeout(60_000 + PAGES.length * 30_000);
      mkdirSync(OUT, { recursive: true });
      const ctx = await context(browser, theme, width);
      const page = await ctx.newPage();
      // No request the pages make is missing (the browser asks for an icon on every page).
      const missing: string[] = [];
      page.on("response", (r) => void (r.status() === 404 && missing.push(r.url())));
      await logIn(page, "demo@wa.local", "demo-password-123");
      const headingLeft = new Map<string, number>();
      for (const [path, name] of PAGES) {
        await page.goto(path);
        await check(page, `${name}-${theme}-${width}`);
        // (The inbox's title is for screen readers only: its conversation list is the page.)
        const title = page.locator("main h1:not(.sr-only)").first();
        if (await title.count()) headingLeft.set(path, Math.round((await title.boundingBox())!.x));
      }
      // Every page's title starts where the others' do: moving between pages, nothing jumps sideways.
      expect(new Set(headingLeft.values()).size, JSON.stringify(Object.fromEntries(headingLeft))).toBe(1);
      expect(missing).toEqual([]);
      // A campaign's page (the seeded draft): progress, controls and the recipients table.
      await page.goto("/campaigns");
      await page.getByRole("link", { name: "Shipping update (demo draft)" }).click();
      await expect(page.getByRole("progressbar", { name: "Campaign progress" })).toBeVisible();
      await check(page, `campaign-detail-${theme}-${width}`);
      await ctx.close();
      const op = await (await context(browser, theme, width)).newPage();
      await logIn(op, "operator@wa.local", "operator-password-123");
      // Let the post-login redirect finish before navigating on.
      await op.waitForLoadState("load");
      await expect(op.locator("h1").first()).toBeVisible();
      await op.goto("/operator");
      await check(op, `operator-${theme}-${width}`);
    });
  }
}

test("an agent cannot reach recharge, channels or API keys; another organization gets 404 for our contacts and conversations", async ({ browser, request }) => {
  // A new person signs up, and the demo owner adds them to Demo Traders as an agent.
  const agentEmail = `agent-${randomUUID().slice(0, 8)}@example.test`;
  const agentPage = await (await browser.newContext()).newPage();
  await agentPage.goto("/signup");
  await agentPage.getByLabel("Full name").fill("Arjun Agent");
  await agentPage.getByLabel("Work email").fill(agentEmail);
  await agentPage.getByLabel("Password").fill("a-long-enough-password");
  await agentPage.getByRole("button", { name: "Create account" }).click();
  await agentPage.waitForURL(/\/onboarding/);

  const owner = await (await browser.newContext()).newPage();
  await logIn(owner, "demo@wa.local", "demo-password-123");
  const added = await owner.request.post("/api/settings/members", { data: { email: agentEmail, role: "agent" } });
  expect(added.status()).toBe(201);
  const contacts = await owner.request.get("/api/contacts?limit=1");
  const contactId = (await contacts.json()).data[0].id as string;

  // The agent works in Demo Traders now.
  await agentPage.goto("/inbox");
  await expect(agentPage.getByLabel("Search conversations")).toBeVisible();
  await agentPage.goto("/channels");
  await expect(agentPage.getByRole("heading", { name: "Page not found" })).toBeVisible();
  expect((await agentPage.request.post("/api/wallet/recharge", { data: { amount_paise: 10000 } })).status()).toBe(403);
  expect((await agentPage.request.get("/api/settings/api-keys")).status()).toBe(403);
  expect((await agentPage.request.post("/api/channels/sandbox", { data: { display_phone: "+91 90000 22222" } })).status()).toBe(403);
  await agentPage.goto("/wallet");
  await expect(agentPage.getByRole("button", { name: /^Pay/ })).toHaveCount(0);
  await agentPage.goto("/settings");
  await expect(agentPage.getByRole("heading", { name: "API keys" })).toHaveCount(0);
  // The agent does see the organization's contacts.
  await agentPage.goto(`/contacts/${contactId}`);
  await expect(agentPage.getByRole("heading", { name: "Page not found" })).toHaveCount(0);

  // Someone from another organization.
  const stranger = await (await browser.newContext()).newPage();
  await stranger.goto("/signup");
  await stranger.getByLabel("Full name").fill("Other Tenant");
  await stranger.getByLabel("Work email").fill(`other-${randomUUID().slice(0, 8)}@example.test`);
  await stranger.getByLabel("Password").fill("a-long-enough-password");
  await stranger.getByRole("button", { name: "Create account" }).click();
  await stranger.waitForURL(/\/onboarding/);
  await stranger.getByLabel("Organization name").fill("Other Traders");
  await stranger.getByRole("button", { name: "Create organization" }).click();
  await expect(stranger.getByLabel("Organization name")).toHaveCount(0);
  // Pages stream behind a loading skeleton, so a page's 404 is its not-found screen; the APIs answer 404.
  await stranger.goto(`/contacts/${contactId}`);
  await expect(stranger.getByRole("heading", { name: "Page not found" })).toBeVisible();
  expect((await stranger.request.get(`/api/inbox/conversations/${contactId}`)).status()).toBe(404);
  expect((await stranger.request.get(`/api/contacts/${contactId}`)).status()).toBe(404);
  void request;
});
