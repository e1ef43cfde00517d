import { randomUUID } from "node:crypto";
import { expect, test, type Page } from "@playwright/test";

// The seed's whole user journey, in the production build with the sandbox integrations:
// sign up, create the organization, connect a sandbox WhatsApp number, recharge ₹100, set an
// auto-reply, receive a simulated customer message and its auto-reply, send a message and watch
// it go to delivered and read, then a send Meta refuses (expired token) is refunded — and every
// charge and refund shows in the wallet history.

test.setTimeout(180_000);

async function simulateCustomer(page: Page, from: string, name: string, text: string) {
  const details = page.locator("details", { hasText: "simulate a customer" });
  if (!(await details.getAttribute("open"))) await details.locator("summary").click();
  await details.getByLabel("From (customer's WhatsApp number)").fill(from);
  await details.getByLabel("Customer name").fill(name);
  await details.getByLabel("Their message").fill(text);
  await details.getByRole("button", { name: "Simulate incoming message" }).click();
  await expect(details.getByText(/Delivered to the webhook/)).toBeVisible();
}

test("sign up → connect → recharge → auto-reply → send, delivered, read → refund, all in the wallet", async ({ page }) => {
  await page.goto("/signup");
  await page.getByLabel("Full name").fill("Asha Journey");
  await page.getByLabel("Work email").fill(`journey-${randomUUID().slice(0, 8)}@example.test`);
  await page.getByLabel("Password").fill("a-long-enough-password");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL(/\/onboarding/);
  await page.getByLabel("Organization name").fill("Journey Traders");
  await page.getByRole("button", { name: "Create organization" }).click();
  await expect(page.getByLabel("Organization name")).toHaveCount(0);

  // Connect a sandbox number.
  await page.goto("/channels");
  await page.getByLabel("Sandbox number (display phone)").fill("+91 90000 11111");
  await page.getByRole("button", { name: "Connect sandbox number" }).click();
  await expect(page.getByText("Sandbox number connected.")).toBeVisible();
  await expect(page.getByText("+91 90000 11111")).toBeVisible();

  // Recharge ₹100 through the sandbox checkout.
  await page.goto("/wallet");
  await page.getByLabel("Or type an amount (₹)").fill("100");
  await page.getByRole("button", { name: "Pay ₹100.00" }).click();
  await page.waitForURL(/\/sandbox\/checkout/);
  await page.getByRole("button", { name: "Pay ₹100.00" }).click();
  await page.waitForURL(/\/wallet\?recharge=paid/);
  await expect(page.getByTestId("wallet-balance")).toHaveText("₹100.00");

  // An auto-reply rule.
  await page.goto("/automations");
  await page.getByLabel("Name").fill("Greeting");
  await page.getByLabel("Keyword").fill("hello");
  await page.getByLabel("Reply").fill("Hi! Thanks for writing to Journey Traders.");
  await page.getByRole("button", { name: "Add rule" }).click();
  await expect(page.getByText("Rule added.")).toBeVisible();

  // A customer writes; the auto-reply answers.
  await page.goto("/inbox");
  await simulateCustomer(page, "919800012345", "Ravi Kumar", "hello, is the shop open?");
  await page.getByRole("button", { name: /Ravi Kumar/ }).click();
  const thread = page.getByLabel("Messages");
  await expect(thread.getByText("hello, is the shop open?")).toBeVisible();
  await expect(thread.getByText("Hi! Thanks for writing to Journey Traders.")).toBeVisible();

  // We reply; the sandbox reports sent → delivered → read through the signed webhook.
  await page.locator("#composer").fill("Yes, we are open until 9 pm.");
  await page.getByRole("button", { name: "Send", exact: true }).click();
  const mine = thread.locator('[data-direction="outbound"]', { hasText: "Yes, we are open until 9 pm." });
  await expect(mine).toBeVisible();
  await expect(mine.locator('[data-status="read"]')).toBeVisible({ timeout: 30_000 });

  // A customer whose number makes the sandbox answer "token expired" (190): the fee is refunded.
  // (No rule matches this text, so no auto-reply is tried.)
  await simulateCustomer(page, "919800010190", "Meera Shah", "Is anyone there?");
  await page.getByRole("button", { name: /Meera Shah/ }).click();
  await expect(thread.getByText("Is anyone there?")).toBeVisible();
  await page.locator("#composer").fill("This one will fail.");
  await page.getByRole("button", { name: "Send", exact: true }).click();
  const failed = thread.locator('[data-direction="outbound"]', { hasText: "This one will fail." });
  await expect(failed.getByText(/Not delivered/)).toBeVisible({ timeout: 30_000 });

  // The wallet shows each charge and the refund: ₹100 − 3 × ₹0.20 + ₹0.20 = ₹99.60.
  await page.goto("/wallet");
  await expect(page.getByTestId("wallet-balance")).toHaveText("₹99.60");
  const rows = page.getByTestId("ledger-row");
  await expect(rows.filter({ hasText: "Message fee" })).toHaveCount(3);
  await expect(rows.filter({ hasText: "Message refund" })).toHaveCount(1);
  await expect(rows.filter({ hasText: "Recharge" })).toHaveCount(1);
});
