import { randomInt, randomUUID } from "node:crypto";
import { expect, test } from "@playwright/test";

// Templates in the production build with the sandbox Graph API: the demo owner creates a template,
// watches it turn APPROVED (the sandbox reviews it and posts a signed status webhook; the page
// polls), then sends it from the inbox to a contact whose 24-hour window is closed.

test.setTimeout(180_000);

const OUT = "artifacts/screenshots/templates";

async function signIn(page: import("@playwright/test").Page) {
  await page.goto("/login");
  await page.getByLabel("Email").fill("demo@wa.local");
  await page.getByLabel("Password").fill("demo-password-123");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((u) => !u.pathname.startsWith("/login"));
}

test("create a template, see it approved, send it from the inbox to a contact whose window is closed", async ({ page }) => {
  await signIn(page);

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

test("the inbox picker offers only the templates of the conversation channel's WhatsApp Business Account", async ({ page }) => {
  await signIn(page);
  // A second number on its own WABA, with an approved template of its own.
  const second = await page.request.post("/api/channels/sandbox", { data: { display_phone: "+91 90000 33333" } });
  expect(second.status()).toBe(201);
  const channelB = (await second.json()) as { id: string };
  const bName = `e2e_b_only_${randomUUID().slice(0, 6)}`;
  const made = await page.request.post("/api/v1/templates", {
    data: { name: bName, category: "UTILITY", language: "en_US", channel_id: channelB.id, components: [{ type: "BODY", text: "Sent from the second number." }] },
  });
  expect(made.status()).toBe(201);
  const id = (await made.json()).data.id as string;
  await expect.poll(async () => (await (await page.request.get(`/api/v1/templates/${id}`)).json()).data.status, { timeout: 30_000 }).toBe("APPROVED");

  // A contact who never wrote: the conversation goes on the default number, so B's template is not offered.
  const created = await page.request.post("/api/v1/contacts", { data: { phone: `+9197${randomInt(10_000_000, 99_999_999)}`, name: "Default Number" } });
  const contact = (await created.json()).data as { id: string };
  await page.goto(`/inbox?contact=${contact.id}`);
  const picker = page.getByLabel("Template", { exact: true });
  await expect(picker.locator("option", { hasText: "hello_world (en_US)" })).toHaveCount(1);
  await expect(picker.locator("option", { hasText: bName })).toHaveCount(0);
  await picker.selectOption({ label: "hello_world (en_US)" });
  await page.screenshot({ path: `${OUT}/inbox-picker.png`, fullPage: true });
});

test("over WhatsApp's 100 new templates per WABA per hour, the Templates page says when to try again", async ({ page }) => {
  await signIn(page);
  // Fill the default WABA's hour (earlier tests made some already), through the API the page uses.
  let status = 201;
  for (let i = 0; i < 101 && status === 201; i++) {
    const res = await page.request.post("/api/v1/templates", {
      data: { name: `e2e_hourly_${randomUUID().slice(0, 8)}`, category: "UTILITY", language: "en_US", components: [{ type: "BODY", text: "Your order is on its way." }] },
    });
    status = res.status();
  }
  expect(status).toBe(429);
  await page.goto("/templates");
  await page.getByLabel("Name").fill(`e2e_one_more_${randomUUID().slice(0, 6)}`);
  await page.getByLabel("Body", { exact: true }).fill("Your order is on its way.");
  await page.getByRole("button", { name: "Submit for approval" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "WhatsApp allows 100 new templates per WhatsApp Business Account per hour" })).toContainText(
    /Try again after \d\d:\d\d UTC/,
  );
  const form = page.locator("form", { has: page.getByRole("button", { name: "Submit for approval" }) });
  await form.scrollIntoViewIfNeeded();
  await form.screenshot({ path: `${OUT}/templates-rate-limit.png` });
});
