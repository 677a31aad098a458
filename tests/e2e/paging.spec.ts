import { expect, test } from "@playwright/test";
import type postgres from "postgres";
import { SignInPage, uniqueName, withSql } from "@/tests/e2e/fixtures";

/** A manager made in SQL, filled by `fill` (bulk rows the UI would take long to create); its id. */
function seedManager(name: string, fill: (sql: postgres.Sql, id: string) => Promise<unknown>): Promise<string> {
  return withSql(async (sql) => {
    const [m] = await sql<{ id: string }[]>`insert into managers (name) values (${name}) returning id`;
    await fill(sql, m.id);
    return m.id;
  });
}

/** Large lists stay fast (issue 7): the imports list is paged, the contacts page shows a kept count. */
test("imports list pages 100 at a time, Next and Previous, while the live table keeps its page", async ({ page }) => {
  const managerId = await seedManager(
    uniqueName("Paging"),
    (sql, id) => sql`
    insert into syncs (manager_id, name, state, source_kind, location)
    select ${id}, 'Import ' || lpad(i::text, 3, '0'), 'active', 'https', 'https://files.example.com/' || i || '.csv'
    from generate_series(1, 101) i`,
  );
  await new SignInPage(page).signInAs("viewer");
  await page.goto(`/managers/${managerId}/imports`);
  const rows = page.locator("table tbody tr");
  await expect(rows).toHaveCount(100);
  await expect(rows.first()).toContainText("Import 001");
  await expect(rows.last()).toContainText("Import 100");
  await expect(page.getByText("‹ Previous")).toHaveAttribute("aria-disabled", "true");

  await page.getByRole("link", { name: "Next ›" }).click();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("Import 101");
  await expect(page.getByText("Next ›")).toHaveAttribute("aria-disabled", "true");

  await page.getByRole("link", { name: "‹ Previous" }).click();
  await expect(rows).toHaveCount(100);
  await expect(rows.first()).toContainText("Import 001");

  await page.goto(`/managers/${managerId}/imports?after=not-a-cursor`);
  await expect(page.locator(".error-box")).toContainText("no longer valid");
});

test("the contacts page shows the manager's contact count and 50 contacts a page", async ({ page }) => {
  const managerName = uniqueName("Count");
  const managerId = await seedManager(managerName, async (sql, id) => {
    await sql`
      insert into contacts (manager_id, key, key_norm, data, row_hash)
      select ${id}, 'k' || lpad(i::text, 5, '0'), 'k' || lpad(i::text, 5, '0'), '{}', 'h'
      from generate_series(1, 10001) i`;
    // Imports keep this count; contacts inserted by hand need it set.
    await sql`update managers set contact_count = 10001 where id = ${id}`;
  });
  await new SignInPage(page).signInAs("viewer");
  await page.goto(`/managers/${managerId}`);
  await expect(page.getByText("10,001 contacts", { exact: true })).toBeVisible();
  await expect(page.locator("table.contacts tbody tr")).toHaveCount(50);
  await page.goto("/managers");
  await expect(page.getByRole("row", { name: new RegExp(managerName) })).toContainText("10,001");
});
