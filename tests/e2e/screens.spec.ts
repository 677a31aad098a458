import { mkdirSync } from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { SignInPage, uniqueName, withSql } from "@/tests/e2e/fixtures";

const dir = process.env.SHOTS_DIR ?? "test-results/shots";

/** Nothing may scroll sideways except inside a table's own scroll box. */
async function expectNoPageOverflow(page: Page) {
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow).toBeLessThanOrEqual(0);
}

for (const width of [1280, 390]) {
  test(`pages read well at ${width}px`, async ({ page }) => {
    mkdirSync(dir, { recursive: true });
    await page.setViewportSize({ width, height: width > 800 ? 900 : 844 });
    await page.goto("/signin");
    await expectNoPageOverflow(page);
    await page.screenshot({ path: `${dir}/signin-${width}.png`, fullPage: true });

    await new SignInPage(page).signInAs("admin");
    const name = uniqueName("Screens");
    await page.getByRole("textbox", { name: "Name", exact: true }).fill(name);
    await page.getByLabel("Field 1 label").fill("Department");
    await page.getByRole("button", { name: "Create Contact Manager" }).click();
    await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
    const managerId = page.url().split("/managers/")[1].split("?")[0];
    // A few contacts, written directly (the import engine is tested elsewhere).
    await withSql(async (sql) => {
      const fields = await sql<
        { id: string; role: string | null; label: string }[]
      >`select id, role, label from fields where manager_id = ${managerId}`;
      const id = (role: string) => fields.find((f) => f.role === role)!.id;
      const dept = fields.find((f) => f.label === "Department")!.id;
      for (let i = 1; i <= 8; i++) {
        const data = {
          [id("email")]: `person${i}@example.org`,
          [id("first_name")]: `Alex${i}`,
          [id("last_name")]: `Example-${i}`,
          [id("language")]: "en",
          [dept]: "Sales",
        };
        await sql`insert into contacts (manager_id, key, key_norm, data, row_hash) values (${managerId}, ${"M" + i}, ${"m" + i}, ${sql.json(data)}, ${"h" + i})`;
      }
    });
    await page.reload();
    await expect(page.getByRole("table").first()).toContainText("person3@example.org");
    await expectNoPageOverflow(page);
    await page.screenshot({ path: `${dir}/manager-${width}.png`, fullPage: true });
    await page.screenshot({ path: `${dir}/manager-top-${width}.png` });

    await page.goto(`/managers/${managerId}/settings`);
    await expect(page.getByRole("heading", { level: 1, name: "Fields and name" })).toBeVisible();
    await expectNoPageOverflow(page);
    await page.screenshot({ path: `${dir}/manager-settings-${width}.png`, fullPage: true });

    await page.goto("/managers");
    await expectNoPageOverflow(page);
    await page.screenshot({ path: `${dir}/managers-${width}.png`, fullPage: true });

    await page.goto("/admin/users");
    await expectNoPageOverflow(page);
    await page.screenshot({ path: `${dir}/users-${width}.png`, fullPage: true });
  });
}
