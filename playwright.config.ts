import { defineConfig } from "@playwright/test";

// A port per run, so several e2e runs can share a machine. Set once in the runner
// process; its workers inherit the environment.
process.env.E2E_PORT ??= String(3100 + (process.pid % 800));
// Its own build folder, apart from `npm start`'s .next (set NEXT_DIST_DIR to run two e2e builds side by side).
process.env.NEXT_DIST_DIR ??= ".next-e2e";
const port = Number(process.env.E2E_PORT);
const baseURL = `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: "tests/e2e",
  // Creates the e2e staff (admin, editor, viewer) directly in the test database.
  globalSetup: "./tests/e2e/global-setup.ts",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    launchOptions: {
      // Playwright cannot download browsers here: Debian's chromium (npm test installs it when missing).
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
    // DATABASE_URL comes from `npm test` (scripts/with-database.ts --test); the E2E admin is created by global setup.
    // E2E_SKIP_BUILD=1 reuses an existing build in NEXT_DIST_DIR (quicker local iterations).
    command: `${process.env.E2E_SKIP_BUILD ? "" : "npx next build && "}npx next start -p ${port} -H 127.0.0.1`,
    url: `${baseURL}/api/health`,
    // A cold build on a busy 2-core machine can take several minutes.
    timeout: 900_000,
    reuseExistingServer: false,
    env: { APP_URL: baseURL, SCHEDULER_INTERVAL_SECONDS: "2", ALLOW_PRIVATE_HOSTS: "true" },
  },
});
