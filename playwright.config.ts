import { defineConfig } from "@playwright/test";

const PORT = Number(process.env.E2E_PORT ?? 3100);
const baseURL = `http://localhost:${PORT}`;

// Browser tests run in Debian's chromium (no Playwright browser download) against the production
// build, on a fresh embedded database under .test-data/e2e, with the sandbox integrations enabled.
export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results",
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  webServer: {
    command: `rm -rf .test-data/e2e && npm run build && npm start`,
    url: `${baseURL}/login`,
    timeout: 600_000,
    reuseExistingServer: !process.env.CI,
    stdout: "pipe",
    env: {
      DATA_DIR: ".test-data/e2e",
      PORT: String(PORT),
      EMBEDDED_PG_PORT: process.env.E2E_PG_PORT ?? "54339",
      SANDBOX_ENABLED: "true",
      LOG_LEVEL: "warn",
    },
  },
});
