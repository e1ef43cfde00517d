import { mkdirSync } from "node:fs";
import { expect, test, type Page } from "@playwright/test";

// Every first page in both themes at desktop and phone widths: none may scroll sideways, and each
// is saved to artifacts/screenshots/ for a person to look at.
const OUT = "artifacts/screenshots";
const widths = [
  { name: "1280", width: 1280, height: 860 },
  { name: "390", width: 390, height: 844 },
];
const themes = ["dark", "light"] as const;

async function shoot(page: Page, name: string, heading: string) {
  await expect(page.getByRole("heading", { level: 1, name: heading })).toBeVisible();
  // Not "networkidle": the router keeps prefetches of links open, which would never count as idle.
  await page.waitForLoadState("load");
  await page.evaluate(() => document.fonts.ready);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, `${name} scrolls sideways`).toBeLessThanOrEqual(0);
  await page.screenshot({ path: `${OUT}/${name}.png`, fullPage: true });
}

for (const theme of themes) {
  for (const size of widths) {
    test(`pages render without sideways scroll: ${theme} ${size.name}px`, async ({ browser }) => {
      mkdirSync(OUT, { recursive: true });
      const context = await browser.newContext({ viewport: { width: size.width, height: size.height } });
      await context.addInitScript((t) => localStorage.setItem("theme", t), theme);
      const page = await context.newPage();
      const tag = `${theme}-${size.name}`;

      await page.goto("/login");
      if (theme === "light") await expect(page.locator("html")).toHaveAttribute("data-theme", "light");
      else await expect(page.locator("html")).not.toHaveAttribute("data-theme", "light");
      await shoot(page, `login-${tag}`, "Sign in");
      await page.goto("/signup");
      await shoot(page, `signup-${tag}`, "Create your account");
      await page.getByLabel("Work email").fill("meera@");
      await page.getByLabel("Password").fill("short");
      await page.getByRole("button", { name: "Create account" }).click();
      await expect(page.locator("#password-error")).toBeVisible();
      await shoot(page, `signup-errors-${tag}`, "Create your account");

      const signup = await page.request.post("/api/auth/signup", {
        data: { email: `shot-${tag}-${Date.now()}@example.test`, password: "screenshot-pass-1", fullName: "Meera Iyer" },
      });
      expect(signup.status()).toBe(201);
      await page.goto("/onboarding");
      await shoot(page, `onboarding-${tag}`, "Set up your organization");
      expect((await page.request.post("/api/orgs", { data: { name: "Iyer Electronics" } })).status()).toBe(201);
      await page.goto("/onboarding");
      await shoot(page, `onboarding-checklist-${tag}`, "Iyer Electronics is ready");
      await page.goto("/dashboard");
      await expect(page.getByTestId("wallet-balance")).toHaveText("₹0.00");
      await shoot(page, `dashboard-${tag}`, "Iyer Electronics");
      if (size.width < 768) {
        await page.getByRole("button", { name: "Open menu" }).click();
        await expect(page.getByRole("dialog", { name: "Menu" })).toBeVisible();
        await page.screenshot({ path: `${OUT}/dashboard-menu-${tag}.png` });
      }
      await context.close();
    });
  }
}
