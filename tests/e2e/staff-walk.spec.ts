import { expect, test, type Page } from "@playwright/test";
import { builtinFields } from "@/db/schema/contacts";
import { SignInPage, uniqueName, withSql } from "@/tests/e2e/fixtures";
import { shootWidths } from "@/tests/e2e/staff-support";
import { shootOnFailure } from "@/tests/e2e/wizard-support";

/**
 * The wizard and pages as staff asked for them (issue 23), walked in Chromium; every step is photographed at
 * 1280 px and 390 px (test-results/staff-shots, and attached to the report).
 */

type Seeded = { managerId: string; managerName: string; fields: Record<string, string> };

async function seedManager(prefix: string): Promise<Seeded> {
  const managerName = uniqueName(prefix);
  return withSql(async (sql) => {
    const [m] = await sql<{ id: string }[]>`insert into managers (name) values (${managerName}) returning id`;
    const fields: Record<string, string> = {};
    for (const [i, f] of builtinFields.entries()) {
      const [row] = await sql<{ id: string }[]>`
        insert into fields (manager_id, label, type, role, position) values (${m.id}, ${f.label}, ${f.type}, ${f.role}, ${i}) returning id`;
      fields[f.role] = row.id;
    }
    return { managerId: m.id, managerName, fields };
  });
}

/** A sync written directly: a draft at the schedule step, or an active import keyed on `keyColumn`. */
async function seedSync(
  s: Seeded,
  o: { state: "draft" | "active"; keyColumn: string; wizardStep?: number; name?: string },
): Promise<string> {
  const mapping = { keyColumn: o.keyColumn, autoKey: false, columns: [{ column: "Email", fieldId: s.fields.email }] };
  return withSql(async (sql) => {
    const [row] = await sql<{ id: string }[]>`
      insert into syncs (manager_id, name, state, wizard_step, source_kind, location, mapping)
      values (${s.managerId}, ${o.name ?? uniqueName("Feed")}, ${o.state}, ${o.wizardStep ?? 5}, 'http',
              'http://127.0.0.1:9/feed.csv', ${sql.json(mapping)})
      returning id`;
    return row.id;
  });
}

async function signIn(page: Page) {
  await page.setViewportSize({ width: 1280, height: 900 });
  await new SignInPage(page).signInAs("editor");
}

test.afterEach(async ({ page }, info) => shootOnFailure(page, info));

test.describe("point 5: the time-zone list", () => {
  test.use({ timezoneId: "Asia/Kolkata" });

  test("searchable by city, country and offset; current names with offsets; the browser's zone preselected", async ({
    page,
  }, info) => {
    await signIn(page);
    const s = await seedManager("Zones");
    const syncId = await seedSync(s, { state: "draft", keyColumn: "Email", wizardStep: 4 });
    await page.goto(`/managers/${s.managerId}/imports/${syncId}/edit/schedule`);
    const zone = page.getByLabel("Time zone", { exact: true });
    // Chromium reports this zone as "Asia/Calcutta": preselected under its current name.
    await expect(zone).toHaveValue("Asia/Kolkata");
    await expect(zone.locator("option:checked")).toHaveText("UTC+05:30 · Asia/Kolkata — India");
    await expect(zone.locator('option[value="Asia/Calcutta"]')).toHaveCount(0);
    await expect(zone.locator('option[value="Europe/Kyiv"]')).toHaveCount(1);
    await shootWidths(page, info, "5-zone-preselected");

    const find = page.getByLabel("Find a time zone");
    await find.fill("Kyiv");
    await expect(zone).toHaveValue("Europe/Kyiv");
    await find.fill("India");
    await expect(zone).toHaveValue("Asia/Kolkata");
    await find.fill("+05:30");
    await expect(zone.locator("option")).toHaveText([/Asia\/Colombo/, /Asia\/Kolkata/]);
    await zone.selectOption("Asia/Kolkata");
    await find.fill("Kolkata");
    await expect(zone.locator("option")).toHaveCount(1);
    await expect(page.getByText("1 zone matches “Kolkata”.")).toBeVisible();
    await shootWidths(page, info, "5-zone-search");
    // The next run times follow the chosen zone.
    await expect(page.locator(".run-times li").first()).toContainText("06:00 (UTC+05:30)");
  });
});

test.describe("point 6: the unique identifier", () => {
  test("preselected from the manager's last import's key column when no column matches the key field", async ({
    page,
  }, info) => {
    await signIn(page);
    const s = await seedManager("Key preselect");
    await seedSync(s, { state: "active", keyColumn: "Email" });
    await page.goto(`/managers/${s.managerId}/imports/new`);
    await page.getByLabel("File to import").setInputFiles({
      name: "people.csv",
      mimeType: "text/csv",
      buffer: Buffer.from("First Name,EMAIL\nAnn,ann@example.org\nBob,bob@example.org\n"),
    });
    await expect(page.getByText("✓ people.csv")).toBeVisible();
    await page.getByRole("button", { name: "Next: preview" }).click();
    await page.getByRole("button", { name: "Next: mapping" }).click();
    await expect(page.getByLabel("Unique identifier column")).toHaveValue("EMAIL");
    await shootWidths(page, info, "6-key-preselected");
  });

  test("preselected from the column named like the manager's key field", async ({ page }) => {
    await signIn(page);
    const s = await seedManager("Key by label");
    await page.goto(`/managers/${s.managerId}/imports/new`);
    await page.getByLabel("File to import").setInputFiles({
      name: "keyed.csv",
      mimeType: "text/csv",
      buffer: Buffer.from("Email,unique key\nann@example.org,A1\n"),
    });
    await expect(page.getByText("✓ keyed.csv")).toBeVisible();
    await page.getByRole("button", { name: "Next: preview" }).click();
    await page.getByRole("button", { name: "Next: mapping" }).click();
    await expect(page.getByLabel("Unique identifier column")).toHaveValue("unique key");
  });
});

test.describe("point 7: a phone (390 px)", () => {
  test("step names shown, the preview leads to its marked cells, mapping selects show whole labels", async ({
    page,
  }, info) => {
    await signIn(page);
    const s = await seedManager("Phone");
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`/managers/${s.managerId}/imports/new`);
    const steps = page.getByRole("navigation", { name: "Import steps" });
    for (const name of ["Source", "Preview", "Mapping"]) {
      const box = await steps.getByText(name, { exact: true }).boundingBox();
      expect(box?.width ?? 0, `step "${name}" is readable`).toBeGreaterThan(30);
    }
    const wide = ["Email,First Name,Last Name,Language,Street,City,Postcode,Country,Comment"];
    wide.push("ann@example.org,Ann,Archer,en,Long Street 1,Springfield,12345,Nowhere,ok");
    wide.push("bob@example.org,Bob,Baker,English,Short Road 2,Shelbyville,54321,Elsewhere,bad language");
    await page
      .getByLabel("File to import")
      .setInputFiles({ name: "wide.csv", mimeType: "text/csv", buffer: Buffer.from(`${wide.join("\n")}\n`) });
    await expect(page.getByText("✓ wide.csv")).toBeVisible();
    await page.getByRole("button", { name: "Next: preview" }).click();
    await expect(page).toHaveURL(/\/edit\/preview$/);
    // The problem is listed with its value, and its link brings the marked cell on screen.
    const problem = page.locator(".preview-problems li").first();
    await expect(problem).toContainText("Line 3, column “Language” (“English”)");
    const cell = page.locator("td.cell-error").first();
    await expect(cell).not.toBeInViewport();
    await page.getByRole("link", { name: /Show the first problem in the table/ }).click();
    await expect(cell).toBeInViewport();
    await shootWidths(page, info, "7-phone-preview");
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole("button", { name: "Next: mapping" }).click();
    await expect(page).toHaveURL(/\/edit\/mapping$/);
    // No mapping select cuts its chosen label.
    const cut = await page.locator(".mapping-table select").evaluateAll((selects) =>
      selects
        .map((el) => {
          const s = el as HTMLSelectElement;
          const probe = document.createElement("span");
          probe.style.cssText = `position:absolute;visibility:hidden;white-space:nowrap;font:${getComputedStyle(s).font}`;
          probe.textContent = s.options[s.selectedIndex]?.text ?? "";
          document.body.append(probe);
          const needed = probe.getBoundingClientRect().width + 40; // the arrow and padding
          probe.remove();
          return needed > s.getBoundingClientRect().width ? probe.textContent : null;
        })
        .filter(Boolean),
    );
    expect(cut).toEqual([]);
    await shootWidths(page, info, "7-phone-mapping");
  });
});

test.describe("point 8: one clock", () => {
  test.use({ timezoneId: "Europe/Berlin" });

  test("the contacts page shows the viewer's zone, named, with UTC on hover", async ({ page }, info) => {
    await signIn(page);
    const s = await seedManager("Clock");
    await withSql(
      (sql) =>
        sql`insert into contacts (manager_id, key, key_norm, data, row_hash, updated_at)
            values (${s.managerId}, 'K1', 'k1', ${sql.json({ [s.fields.email]: "ann@example.org" })}, 'h', '2026-07-01T10:00:00Z')`,
    );
    await page.goto(`/managers/${s.managerId}`);
    await expect(page.getByRole("columnheader", { name: /Updated \(Europe\/Berlin\)/ })).toBeVisible();
    const time = page.getByRole("table").first().locator("time").first();
    await expect(time).toHaveText("Wed 2026-07-01 12:00");
    await expect(time).toHaveAttribute("title", "Wed 2026-07-01 10:00 UTC");
    await shootWidths(page, info, "8-contacts-clock");
  });
});

/** Upload a file through step 1 and go on to the mapping, keyed on Email. */
async function uploadToMapping(page: Page, managerId: string, name: string, csv: string) {
  await page.goto(`/managers/${managerId}/imports/new`);
  await page.getByLabel("File to import").setInputFiles({ name, mimeType: "text/csv", buffer: Buffer.from(csv) });
  await expect(page.getByText(`✓ ${name}`)).toBeVisible();
  await page.getByRole("button", { name: "Next: preview" }).click();
  await page.getByRole("button", { name: "Next: mapping" }).click();
  await page.getByLabel("Unique identifier column").selectOption("Email");
}

test.describe("point 1: a review before writing", () => {
  test("the wizard ends with a dry run of the whole file: counts, row errors, duplicates; then Run Import", async ({
    page,
  }, info) => {
    await signIn(page);
    const s = await seedManager("Review");
    const csv = "Email,First Name\nann@example.org,Ann\nbad-email,Bob\nann@example.org,Again\ncy@example.org,Cy\n";
    await uploadToMapping(page, s.managerId, "review.csv", csv);
    await expect(page.getByRole("button", { name: "Run without review" })).toBeVisible();
    await page.getByRole("button", { name: "Review import" }).click();
    await expect(page).toHaveURL(/\/review\?run=/);
    const counts = page.getByTestId("review-counts");
    await expect(counts).toContainText("2 created");
    await expect(counts).toContainText("0 deleted");
    await expect(counts).toContainText("2 rows skipped");
    await expect(page.getByRole("heading", { name: "Duplicate keys" })).toBeVisible();
    await expect(page.getByText(/Line 4: Duplicate key "ann@example.org"/)).toBeVisible();
    await expect(page.getByText(/Line 3, column “Email”/)).toBeVisible();
    const written = await withSql(
      (sql) => sql<{ n: number }[]>`select count(*)::int as n from contacts where manager_id = ${s.managerId}`,
    );
    expect(written[0].n).toBe(0);
    await shootWidths(page, info, "1-review");
    await page.getByRole("button", { name: "Run Import" }).click();
    await expect(page).toHaveURL(/\/runs\/[0-9a-f-]{36}$/);
    await expect(page.getByText("2 created", { exact: false }).first()).toBeVisible({ timeout: 30_000 });
  });
});

test.describe("point 2: quick edits", () => {
  test("one option of an active import changed on its step and saved: live at once", async ({ page }, info) => {
    await signIn(page);
    const s = await seedManager("Quick edit");
    await uploadToMapping(page, s.managerId, "quick.csv", "Email,First Name\nann@example.org,Ann\n");
    await page.getByRole("button", { name: "Run without review" }).click();
    await expect(page).toHaveURL(/\/runs\/[0-9a-f-]{36}$/);
    const syncId = /imports\/([0-9a-f-]{36})\/runs/.exec(page.url())![1];
    await page.goto(`/managers/${s.managerId}/imports/${syncId}/edit/source`);
    await page.getByLabel("Delete contacts not found in the import file").check();
    await shootWidths(page, info, "2-quick-edit");
    await page.getByRole("button", { name: "Save changes" }).click();
    await expect(page).toHaveURL(new RegExp(`/managers/${s.managerId}/imports$`));
    await expect(page.getByText("Changes saved.")).toBeVisible();
    const [row] = await withSql(
      (sql) =>
        sql<
          { delete_missing: boolean; pending_edit: unknown; state: string }[]
        >`select delete_missing, pending_edit, state from syncs where id = ${syncId}`,
    );
    expect(row).toEqual({ delete_missing: true, pending_edit: null, state: "active" });
  });
});

test.describe("point 3: unfinished setups", () => {
  test("drafts sit under one Unfinished line, with Delete all", async ({ page }, info) => {
    await signIn(page);
    const s = await seedManager("Unfinished");
    for (const name of ["First try", "Second try"]) {
      await seedSync(s, { state: "draft", keyColumn: "Email", wizardStep: 2, name });
    }
    await page.goto(`/managers/${s.managerId}/imports`);
    const line = page.locator("tr[data-unfinished]");
    await expect(line).toHaveCount(1);
    await expect(line).toContainText("Unfinished: 2 imports");
    await line.getByText(/Unfinished/).click();
    await expect(line.getByText("First try")).toBeVisible();
    await shootWidths(page, info, "3-unfinished");
    await line.getByRole("button", { name: "Delete all 2 unfinished imports" }).click();
    await expect(page.getByText("Unfinished imports deleted.")).toBeVisible();
    await expect(page.locator("tr[data-unfinished]")).toHaveCount(0);
  });
});

test.describe("point 4: a skipped run", () => {
  test("shows the outcome of the run that applied the file, with unchanged since", async ({ page }, info) => {
    await signIn(page);
    const s = await seedManager("Skipped");
    const syncId = await seedSync(s, { state: "active", keyColumn: "Email" });
    await withSql(async (sql) => {
      const [applied] = await sql<{ id: string }[]>`
        insert into runs (sync_id, trigger, status, created, error_count, queued_at, started_at, finished_at)
        values (${syncId}, 'schedule', 'completed_with_errors', 3, 1, now() - interval '2 hours', now() - interval '2 hours', now() - interval '2 hours')
        returning id`;
      await sql`insert into run_errors (run_id, line, "column", message) values (${applied.id}, 4, 'Email', 'Not an email address.')`;
      await sql`insert into runs (sync_id, trigger, status, queued_at, started_at, finished_at)
        values (${syncId}, 'schedule', 'skipped_unchanged', now() - interval '1 minute', now() - interval '1 minute', now() - interval '1 minute')`;
    });
    await page.goto(`/managers/${s.managerId}/imports`);
    const row = page.locator(`tr[data-sync-id="${syncId}"]`);
    await expect(row).toContainText("unchanged since");
    await row.getByRole("button", { name: /1 error/ }).hover();
    await expect(page.getByText("Line 4, Email: Not an email address.")).toBeVisible();
    await shootWidths(page, info, "4-skipped");
  });
});
