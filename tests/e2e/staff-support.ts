import { mkdirSync } from "node:fs";
import { expect, type Page, type TestInfo } from "@playwright/test";

/** Where the staff walk keeps its screenshots (also attached to the test's report). */
export const staffShotsDir = process.env.STAFF_SHOTS_DIR ?? "test-results/staff-shots";

/**
 * A full-page screenshot at 1280 px and at 390 px (a phone), kept as a test artefact, and a check that the
 * page does not scroll sideways at either width. The viewport goes back to 1280 px.
 */
export async function shootWidths(page: Page, info: TestInfo, name: string): Promise<void> {
  mkdirSync(staffShotsDir, { recursive: true });
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: width > 800 ? 900 : 844 });
    const path = `${staffShotsDir}/${name}-${width}.png`;
    await page.screenshot({ path, fullPage: true });
    await info.attach(`${name}-${width}`, { path, contentType: "image/png" });
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect.soft(overflow, `${name} scrolls sideways at ${width}px`).toBeLessThanOrEqual(0);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}
