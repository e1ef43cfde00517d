import { randomUUID } from "node:crypto";
import { expect, test, type Page } from "@playwright/test";

// A new tenant signs up, creates an organization and recharges ₹100 through the sandbox checkout:
// the sandbox Razorpay signs the Checkout response and the webhooks, and the app's real
// verification credits the wallet once. Then the wallet page is photographed in both themes at
// desktop and phone widths (test-results/wallet-*.png) for a person to look at.

async function signUpWithOrganization(page: Page) {
  const email = `recharge-${randomUUID().slice(0, 8)}@example.test`;
  await page.goto("/signup");
  await page.getByLabel("Full name").fill("Asha Recharge");
  await page.getByLabel("Work email").fill(email);
  await page.getByLabel("Password").fill("a-long-enough-password");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL(/\/onboarding/);
  await page.getByLabel("Organization name").fill("Recharge Traders");
  await page.getByRole("button", { name: "Create organization" }).click();
  // The checklist replaces the form once the organization exists.
  await expect(page.getByLabel("Organization name")).toHaveCount(0);
}

test("recharge ₹100 through the sandbox checkout and see the balance and the ledger row", async ({ page }) => {
  await signUpWithOrganization(page);

  await page.goto("/wallet");
  await expect(page.getByRole("heading", { name: "Wallet", level: 1 })).toBeVisible();
  await expect(page.getByTestId("wallet-balance")).toHaveText("₹0.00");
  await expect(page.getByText("Sandbox · no real money")).toBeVisible();

  await page.getByLabel("Or type an amount (₹)").fill("100");
  await page.getByRole("button", { name: "Pay ₹100.00" }).click();

  await page.waitForURL(/\/sandbox\/checkout\?order_id=order_/);
  await expect(page.getByText("Sandbox checkout")).toBeVisible();
  await expect(page.getByTestId("checkout-amount")).toHaveText("₹100.00");
  await page.getByRole("button", { name: "Pay ₹100.00" }).click();

  await page.waitForURL(/\/wallet\?recharge=paid/);
  await expect(page.getByText("Payment received.")).toBeVisible();
  await expect(page.getByTestId("wallet-balance")).toHaveText("₹100.00");
  const rows = page.getByTestId("ledger-row");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("Recharge");
  await expect(rows.first()).toContainText("+₹100.00");
  const recharges = page.getByRole("table", { name: "Recharges, newest first" });
  await expect(recharges.getByText("Paid")).toBeVisible();

  // The webhook (sent by the sandbox after the payment) and the checkout callback both arrived;
  // the balance stays ₹100.00 when the page polls again.
  await page.reload();
  await expect(page.getByTestId("wallet-balance")).toHaveText("₹100.00");
  await expect(page.getByTestId("ledger-row")).toHaveCount(1);

  for (const theme of ["dark", "light"] as const) {
    await page.evaluate((t) => {
      localStorage.setItem("theme", t);
    }, theme);
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto("/wallet");
      await expect(page.getByTestId("wallet-balance")).toHaveText("₹100.00");
      if (theme === "light") await expect(page.locator("html")).toHaveAttribute("data-theme", "light");
      else await expect(page.locator("html")).not.toHaveAttribute("data-theme", "light");
      await expect(page.getByRole("heading", { name: "Recharges" })).toBeVisible();
      await expect(page.getByTestId("wallet-balance")).toBeVisible();
      await page.screenshot({ path: `test-results/wallet-${theme}-${width}.png`, fullPage: true });
    }
  }
});

test("a failed sandbox payment credits nothing, and the same order can then be paid", async ({ page }) => {
  await signUpWithOrganization(page);
  await page.goto("/wallet");
  await page.getByLabel("Or type an amount (₹)").fill("250");
  await page.getByRole("button", { name: "Pay ₹250.00" }).click();
  await page.waitForURL(/\/sandbox\/checkout/);
  const checkoutUrl = page.url();
  await page.getByRole("button", { name: "Simulate a failed payment" }).click();
  await expect(page.getByText("Payment failed.")).toBeVisible();
  await page.getByRole("link", { name: "Cancel and go back to the wallet" }).click();
  await page.waitForURL(/\/wallet$/);
  await expect(page.getByTestId("wallet-balance")).toHaveText("₹0.00");
  await expect(page.getByTestId("ledger-row")).toHaveCount(0);
  const recharges = page.getByRole("table", { name: "Recharges, newest first" });
  // payment.failed reaches the webhook from the sandbox moments after the click.
  await expect(async () => {
    await page.reload();
    await expect(recharges.getByText("Failed", { exact: true })).toBeVisible({ timeout: 1_000 });
  }).toPass();

  await page.goto(checkoutUrl);
  await page.getByRole("button", { name: "Pay ₹250.00" }).click();
  await page.waitForURL(/\/wallet\?recharge=paid/);
  await expect(page.getByTestId("wallet-balance")).toHaveText("₹250.00");
  await expect(page.getByTestId("ledger-row")).toHaveCount(1);
  await expect(recharges.getByText("Paid", { exact: true })).toBeVisible();
});
