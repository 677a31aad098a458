import { expect, test } from "@playwright/test";
import { SignInPage, withSql } from "@/tests/e2e/fixtures";
import { createTestManager, shoot, shootOnFailure, syncIdFromUrl, waitForRunEnd } from "@/tests/e2e/wizard-support";

test.describe("guards and merge rules in the wizard", () => {
  test.beforeEach(async ({ page }) => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await new SignInPage(page).signInAs("editor");
  });
  test.afterEach(async ({ page }, info) => shootOnFailure(page, info));

  test("a rule and a guard set in the wizard; the blocked run's sample on its run page; approved", async ({ page }) => {
    const manager = await createTestManager(page, "Guards");
    // Three contacts already in the list.
    await withSql(async (sql) => {
      const fields = await sql<{ id: string; label: string }[]>`
        select id, label from fields where manager_id = ${manager.id}`;
      const id = (label: string) => fields.find((f) => f.label === label)!.id;
      for (const [key, first, last] of [
        ["ann@example.org", "Ann", "Archer"],
        ["bob@example.org", "Bob", "Baker"],
        ["cy@example.org", "Cy", "Cole"],
      ]) {
        const data = { [id("Email")]: key, [id("First Name")]: first, [id("Last Name")]: last };
        await sql`insert into contacts (manager_id, key, key_norm, data, row_hash)
                  values (${manager.id}, ${key}, ${key}, ${sql.json(data)}, 'seed')`;
      }
      await sql`update managers set contact_count = 3 where id = ${manager.id}`;
    });

    await page.goto(`/managers/${manager.id}/imports/new`);
    const csv = "Email,First Name,Last Name\nann@example.org,Anna,\n";
    await page
      .getByLabel("File to import")
      .setInputFiles({ name: "ann.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    await expect(page.getByText("✓ ann.csv")).toBeVisible();
    await page.getByLabel("Delete contacts not found in the import file").check();
    await page.getByRole("button", { name: "Next: preview" }).click();
    await expect(page).toHaveURL(/\/edit\/preview$/);
    const syncId = syncIdFromUrl(page.url());
    await page.getByRole("button", { name: "Next: mapping" }).click();
    await expect(page).toHaveURL(/\/edit\/mapping$/);

    // Rule: an empty Last Name cell keeps the stored value. Guard: at most 1 deleted, on every run.
    await page.getByLabel("Empty cells in column Last Name").selectOption("keep");
    await page.getByText("What the rules do").click();
    await expect(page.getByText("Create only: written for new contacts, never changed afterwards")).toBeVisible();
    const safety = page.getByRole("region", { name: "Safety" });
    await safety
      .getByRole("group", { name: "At most this many contacts deleted in one run" })
      .getByLabel("Number of contacts")
      .fill("1");
    await safety.getByLabel("Change threshold").fill("100");
    await safety.getByLabel("Guard every run").check();
    await page.getByLabel("Unique identifier column").selectOption("Email");
    await shoot(page, "guards-mapping");
    await page.getByRole("button", { name: "Run without review" }).click();
    await expect(page).toHaveURL(/\/runs\/[0-9a-f-]{36}$/);
    expect((await waitForRunEnd(syncId)).status).toBe("blocked");

    await page.reload();
    await expect(page.getByText("would delete 2 contacts, more than the limit of 1").first()).toBeVisible();
    const plan = page.getByRole("region", { name: "What this run would change" });
    await expect(plan.getByRole("heading", { name: "Would delete 2 contacts" })).toBeVisible();
    await expect(plan.getByRole("listitem")).toHaveText(["bob@example.org", "cy@example.org"]);
    await expect(plan.getByRole("heading", { name: "Would update 1 contact" })).toBeVisible();
    const row = plan.getByRole("row").filter({ hasText: "ann@example.org" });
    await expect(row).toContainText("First Name");
    await expect(row).toContainText("Ann");
    await expect(row).toContainText("Anna");
    // The kept Last Name is not a change.
    await expect(plan).not.toContainText("Last Name");
    await expect(plan.getByRole("link", { name: "Download all 2 as CSV" })).toHaveAttribute(
      "href",
      /\/plan-deleted\.csv$/,
    );
    await shoot(page, "guards-blocked-run");

    await page.getByRole("button", { name: "Approve and run" }).click();
    await expect(page.getByRole("link", { name: "the blocked run" })).toBeVisible();
    expect((await waitForRunEnd(syncId)).status).toBe("succeeded");
    const contacts = await withSql(
      (sql) => sql<{ key: string; first: string; last: string }[]>`
        select c.key, c.data->>f.id::text as first, c.data->>l.id::text as last from contacts c
        join fields f on f.manager_id = c.manager_id and f.label = 'First Name'
        join fields l on l.manager_id = c.manager_id and l.label = 'Last Name'
        where c.manager_id = ${manager.id} and c.deleted_at is null`,
    );
    expect(contacts).toEqual([{ key: "ann@example.org", first: "Anna", last: "Archer" }]);
  });
});
