import { execFileSync } from "node:child_process";
import { expect, test } from "@playwright/test";

// Playwright, and the `next start` it launches, run on the Node 24 of the `node` dependency (first on PATH).
test("the e2e runner and the node on its PATH are Node 24", () => {
  expect(process.versions.node.split(".")[0]).toBe("24");
  expect(execFileSync("node", ["-v"], { encoding: "utf8" }).trim()).toMatch(/^v24\./);
});
