import { randomInt, randomUUID } from "node:crypto";
import { expect, test } from "@playwright/test";

// Templates in the production build with the sandbox Graph API: the demo owner creates a template,
// watches it turn APPROVED (the sandbox reviews it and posts a signed status webhook; the page
// polls), then sends it from the inbox to a contact whose 24-hour window is closed.

test.setTimeout(180_000);

test("create a template, see it approved, send it from the inbox to a contact whose window is closed", async ({ page }) => {
  await page.goto("/login");
  await page.getByLabel("Email").fill("demo@wa.local");
  await page.getByLabel("Password").fill("demo-password-123");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((u) => !u.pathname.startsWith("/login"));

  const name = `e2e_offer_${randomUUID().slice(0, 6)}`;
  await page.goto("/templates");
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Body", { exact: true }).fill("Hi {{1}}, enjoy {{2}} off your next order.");
  await page.getByLabel("Body example for {{1}}").fill("Priya");
  await page.getByLabel("Body example for {{2}}").fill("10%");
  await page.getByLabel("Footer (optional)").fill("Reply STOP to opt out");
  // The live preview fills the examples in.
  await expect(page.getByRole("figure", { name: "Preview of the new template" })).toContainText("Hi Priya, enjoy 10% off your next order.");
  await page.getByRole("button", { name: "Submit for approval" }).click();
  await expect(page.getByText(`“${name}” submitted to Meta: pending review.`)).toBeVisible();
  const card = page.locator("li", { hasText: name });
  // PENDING first, then APPROVED without a reload (the sandbox decides about a second later).
  await expect(card.getByText("approved", { exact: true })).toBeVisible({ timeout: 30_000 });

  // A contact who never wrote in: the window is closed.
  const phone = `+9198${randomInt(10_000_000, 99_999_999)}`;
  const created = await page.request.post("/api/v1/contacts", { data: { phone, name: "Closed Window" } });
  expect(created.status()).toBe(201);
  const contact = (await created.json()).data as { id: string };
  await page.goto(`/inbox?contact=${contact.id}`);
  await expect(page.getByText("The 24-hour customer service window is closed.")).toBeVisible();
  await page.getByLabel("Template", { exact: true }).selectOption({ label: `${name} (en_US)` });
  await page.getByLabel("Body {{1}}").fill("Meera");
  await page.getByLabel("Body {{2}}").fill("15%");
  await expect(page.getByRole("figure", { name: "Preview of the template message" })).toContainText("Hi Meera, enjoy 15% off your next order.");
  await expect(page.getByText(/Costs ₹0\.\d\d from your wallet/)).toBeVisible();
  await page.getByRole("button", { name: "Send template" }).click();
  // The message appears in the thread with its variables filled in.
  await expect(page.locator("main").getByText("Hi Meera, enjoy 15% off your next order.").first()).toBeVisible();
});
