import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

export default defineConfig({
  resolve: { alias: { "@": fileURLToPath(new URL(".", import.meta.url)).replace(/\/$/, "") } },
  test: {
    include: ["tests/unit/**/*.test.ts", "tests/integration/**/*.test.ts"],
    environment: "node",
    // Quiet output: warnings and errors only, unless LOG_LEVEL asks for more.
    env: { LOG_LEVEL: process.env.LOG_LEVEL ?? "warn" },
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: a couple of workers keeps integration tests from starving each other.
    maxWorkers: 2,
  },
});
