import { expect, test } from "@playwright/test";
import { SignInPage, uniqueName } from "@/tests/e2e/fixtures";
import { shootWidths } from "@/tests/e2e/staff-support";
import { createTestManager, shootOnFailure, syncIdFromUrl, waitForRunEnd } from "@/tests/e2e/wizard-support";

test.describe("small defects staff ran into", () => {
  test.beforeEach(async ({ page }) => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await new SignInPage(page).signInAs("editor");
  });
  test.afterEach(async ({ page }, info) => shootOnFailure(page, info));

  test("/favicon.ico is served", async ({ page }) => {
    const res = await page.request.get("/favicon.ico");
    expect(res.status()).toBe(200);
    expect(res.headers()["content-type"]).toMatch(/image\//);
  });

  test("a notice belongs to the action that caused it: gone after the next action and on reload", async ({
    page,
  }, info) => {
    await page.goto("/managers");
    await page.getByRole("textbox", { name: "Name", exact: true }).fill(uniqueName("Notice"));
    await page.getByRole("button", { name: "Create Contact Manager" }).click();
    const notice = page.getByRole("status").filter({ hasText: "Contact Manager created." });
    await expect(notice).toBeVisible();
    await expect(page).not.toHaveURL(/notice=/);
    await shootWidths(page, info, "defect-notice");
    await page.reload();
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    await expect(notice).toHaveCount(0);
  });

  test("a later action on the same page hides the notice", async ({ page }) => {
    await page.goto("/managers");
    const name = uniqueName("Notice later");
    await page.getByRole("textbox", { name: "Name", exact: true }).fill(name);
    await page.getByRole("button", { name: "Create Contact Manager" }).click();
    const notice = page.getByRole("status").filter({ hasText: "Contact Manager created." });
    await expect(notice).toBeVisible();
    await page
      .getByRole("searchbox")
      .or(page.getByLabel("Search", { exact: true }))
      .first()
      .fill("nobody");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await expect(page).toHaveURL(/q=nobody/);
    await expect(notice).toHaveCount(0);
  });

  test("Add Field names types as the manager form does; the run page's breadcrumb starts at Contact Managers", async ({
    page,
  }, info) => {
    const manager = await createTestManager(page, "Defects");
    await page.goto(`/managers/${manager.id}/imports/new`);
    await page
      .getByLabel("File to import")
      .setInputFiles({ name: "d.csv", mimeType: "text/csv", buffer: Buffer.from("Email,Team\nann@example.org,Red\n") });
    await expect(page.getByText("✓ d.csv")).toBeVisible();
    await page.getByRole("button", { name: "Next: preview" }).click();
    await page.getByRole("button", { name: "Next: mapping" }).click();
    const types = page.getByLabel("Type", { exact: true });
    await expect(types.locator("option")).toContainText(["Text", "Email", "Language (ISO tag)"]);
    await expect(page.getByLabel("Field for column Email").locator("option")).toContainText(["Email (Email)"]);
    await page.getByLabel("Unique identifier column").selectOption("Email");
    await page.getByRole("button", { name: "Run without review" }).click();
    await expect(page).toHaveURL(/\/runs\/[0-9a-f-]{36}$/);
    await waitForRunEnd(syncIdFromUrl(page.url()));
    const crumbs = page.locator(".breadcrumb");
    await expect(crumbs.getByRole("link", { name: "Contact Managers" })).toHaveAttribute("href", "/managers");
    await expect(crumbs.getByRole("link", { name: manager.name })).toBeVisible();
    await shootWidths(page, info, "defect-run-breadcrumb");
  });
});
