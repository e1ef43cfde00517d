import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "@playwright/test";

// The analytics page for a new organization (no messages yet) and the operator's analytics.
test("a new organization sees the empty state, picks a range, and exports a CSV", async ({ page }) => {
  const signup = await page.request.post("/api/auth/signup", {
    data: { email: `analytics-${Date.now()}@example.test`, password: "analytics-pass-1", fullName: "Anil Rao" },
  });
  expect(signup.status()).toBe(201);
  expect((await page.request.post("/api/orgs", { data: { name: "Rao Textiles" } })).status()).toBe(201);

  await page.goto("/analytics");
  await expect(page.getByRole("heading", { level: 1, name: "Analytics" })).toBeVisible();
  await expect(page.getByText("No messages in this period")).toBeVisible();
  await expect(page.getByRole("button", { name: "30 days" })).toHaveAttribute("aria-pressed", "true");

  await page.getByRole("button", { name: "90 days" }).click();
  await expect(page).toHaveURL(/\/analytics\?from=\d{4}-\d{2}-\d{2}&to=\d{4}-\d{2}-\d{2}$/);
  await expect(page.getByRole("button", { name: "90 days" })).toHaveAttribute("aria-pressed", "true");

  // A custom range that is too long is refused in the browser, with a message.
  await page.getByLabel("From", { exact: true }).fill("2024-01-01");
  await page.getByLabel("To", { exact: true }).fill("2025-06-30");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByRole("main").getByRole("alert")).toHaveText("That is 547 days; choose at most 366.");

  const href = await page.getByRole("link", { name: "Export CSV" }).getAttribute("href");
  expect(href).toMatch(/^\/api\/analytics\/export\.csv\?from=/);
  const csv = await page.request.get(href!);
  expect(csv.status()).toBe(200);
  expect((await csv.text()).split(/\r?\n/)[0]).toBe(
    "date,outbound,sent,delivered,read,failed,pending,delivery_rate,read_rate,inbound,fees_inr,recharges_inr",
  );

  const axe = await new AxeBuilder({ page }).include("main").withTags(["wcag2a", "wcag2aa"]).analyze();
  expect(axe.violations.map((v) => v.id)).toEqual([]);
});

test("the operator console shows platform analytics; tenants get 404 from its API", async ({ page }) => {
  const tenant = await page.request.post("/api/auth/signup", {
    data: { email: `tenant-${Date.now()}@example.test`, password: "tenant-pass-123", fullName: "Tenant" },
  });
  expect(tenant.status()).toBe(201);
  expect((await page.request.get("/api/operator/analytics")).status()).toBe(404);

  const login = await page.request.post("/api/auth/login", { data: { email: "operator@wa.local", password: "operator-password-123" } });
  expect(login.ok()).toBe(true);
  await page.goto("/operator");
  await expect(page.getByRole("heading", { name: "Platform analytics" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Revenue from service fees per day" })).toBeVisible();
  const api = await page.request.get("/api/operator/analytics?from=2026-01-01&to=2026-01-07");
  expect(api.status()).toBe(200);
  expect((await api.json()).data.days).toHaveLength(7);
});
