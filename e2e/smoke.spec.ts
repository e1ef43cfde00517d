import { expect, test } from "@playwright/test";

// The first minutes of a new customer, in a real browser against the production build.
test("sign up, create an organization, see the wallet at ₹0.00, sign out and sign in again", async ({ page }) => {
  const email = `e2e-${Date.now()}@example.test`;
  const password = "e2e-password-123";

  await page.goto("/dashboard");
  await expect(page).toHaveURL(/\/login\?next=%2Fdashboard$/);
  await page.getByRole("link", { name: "Create an account" }).click();
  await expect(page).toHaveURL(/\/signup$/);

  await page.getByLabel("Full name").fill("Priya Nair");
  await page.getByLabel("Work email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();

  await expect(page).toHaveURL(/\/onboarding$/);
  await page.getByLabel("Organization name").fill("Nair Spices");
  await page.getByRole("button", { name: "Create organization" }).click();
  await expect(page.getByRole("heading", { name: "Nair Spices is ready" })).toBeVisible();
  await expect(page.getByText("0 of 3 done")).toBeVisible();
  await page.getByRole("link", { name: "Go to the dashboard" }).click();

  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByRole("heading", { name: "Nair Spices", level: 1 })).toBeVisible();
  await expect(page.getByTestId("wallet-balance")).toHaveText("₹0.00");
  await expect(page.getByText("Sandbox mode", { exact: true })).toBeVisible();

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto("/dashboard");
  await expect(page).toHaveURL(/\/login\?next=%2Fdashboard$/);

  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId("wallet-balance")).toHaveText("₹0.00");
});

test("the server's field errors appear next to the fields", async ({ page }) => {
  await page.goto("/signup");
  await page.getByLabel("Work email").fill("not-an-email");
  await page.getByLabel("Password").fill("short");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.locator("#email-error")).toHaveText("Enter a valid email address, like name@company.com");
  await expect(page.locator("#password-error")).toHaveText("Password must be at least 8 characters");
  await expect(page.getByLabel("Work email")).toHaveAttribute("aria-invalid", "true");

  await page.goto("/login");
  await page.getByLabel("Email").fill(`nobody-${Date.now()}@example.test`);
  await page.getByLabel("Password").fill("wrong-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.locator("#password-error")).toHaveText("Email or password is incorrect.");
});
