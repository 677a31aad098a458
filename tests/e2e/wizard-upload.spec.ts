import { expect, test } from "@playwright/test";
import { SignInPage } from "@/tests/e2e/fixtures";
import {
  createTestManager,
  shoot,
  shootOnFailure,
  syncIdFromUrl,
  syncRow,
  waitForRunEnd,
} from "@/tests/e2e/wizard-support";

const csv = [
  "Email,First Name,Last Name,Team",
  "ann@example.org,Ann,Archer,Red",
  'bob@example.org,Bob,"Baker, Jr.",Blue',
  "not-an-email,Carl,Cole,Green",
  "dana@example.org,Dana,Dietz,Red",
  "",
].join("\n");

test.describe("import wizard: upload from the computer", () => {
  test.beforeEach(async ({ page }) => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await new SignInPage(page).signInAs("editor");
  });
  test.afterEach(async ({ page }, info) => shootOnFailure(page, info));

  test("upload → preview → mapping with a new field → run → contacts on the manager page", async ({ page }) => {
    const manager = await createTestManager(page, "Wizard upload");
    await page.goto(`/managers/${manager.id}/imports`);
    await page.getByRole("link", { name: "Setup New Import" }).click();
    await expect(page).toHaveURL(new RegExp(`/managers/${manager.id}/imports/new$`));
    await expect(page.getByRole("heading", { level: 1, name: "Setup New Import" })).toBeVisible();
    await shoot(page, "1-source-empty");

    await page
      .getByLabel("File to import")
      .setInputFiles({ name: "team.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    await expect(page.getByText("✓ team.csv")).toBeVisible();
    await page.getByLabel("Email for errors").fill("ops@example.org");
    await shoot(page, "1-source-uploaded");
    await page.getByRole("button", { name: "Next: preview" }).click();

    await expect(page).toHaveURL(/\/edit\/preview$/);
    const syncId = syncIdFromUrl(page.url());
    const table = page.getByRole("table");
    await expect(table).toContainText("Baker, Jr.");
    await expect(table.getByRole("columnheader", { name: "Team" })).toBeVisible();
    // The bad email is marked with its line and reason.
    await expect(page.getByText(/Line 4, column “Email”/)).toBeVisible();
    await shoot(page, "2-preview");

    // The draft survives a reload (and would in another browser): same step, same data.
    await page.reload();
    await expect(page.getByRole("table")).toContainText("dana@example.org");
    expect((await syncRow(syncId)).state).toBe("draft");

    await page.getByRole("button", { name: "Next: mapping" }).click();
    await expect(page).toHaveURL(/\/edit\/mapping$/);
    // Pre-mapped by name; Team has no field yet.
    await expect(page.getByLabel("Field for column Email")).toHaveValue(/.+/);
    await expect(page.getByLabel("Field for column First Name")).toHaveValue(/.+/);
    await expect(page.getByLabel("Field for column Team")).toHaveValue("");
    await page.getByLabel("New field label").fill("Team");
    await page.getByLabel("Map it from column").selectOption("Team");
    await page.getByRole("button", { name: "Add Field" }).click();
    await expect(page.getByText("Field added to the Contact Manager.")).toBeVisible();
    await expect(page.getByLabel("Field for column Team")).toHaveValue(/.+/);
    await expect(page.getByRole("listitem").filter({ hasText: "Team → Team" })).toBeVisible();
    await page.getByLabel("Unique identifier column").selectOption("Email");
    await shoot(page, "3-mapping");

    await page.getByRole("button", { name: "Run without review" }).click();
    await expect(page).toHaveURL(new RegExp(`/managers/${manager.id}/imports/${syncId}/runs/[0-9a-f-]{36}$`));
    const run = await waitForRunEnd(syncId);
    expect(run.status).toBe("completed_with_errors");
    expect(run.created).toBe(3);
    expect((await syncRow(syncId)).state).toBe("active");

    await page.goto(`/managers/${manager.id}`);
    const contacts = page.getByRole("table").first();
    await expect(contacts).toContainText("ann@example.org");
    await expect(contacts).toContainText("Baker, Jr.");
    await expect(contacts).toContainText("dana@example.org");
    await expect(contacts).not.toContainText("not-an-email");
  });

  test("each step shows its validation errors inline", async ({ page }) => {
    const manager = await createTestManager(page, "Wizard errors");
    await page.goto(`/managers/${manager.id}/imports/new`);
    // Step 1: nothing uploaded; checked in the browser, before any request.
    await page.getByRole("button", { name: "Next: preview" }).click();
    await expect(page.getByText("Choose a file to import and wait for the upload to finish.")).toBeVisible();
    await expect(page).toHaveURL(/\/imports\/new$/);

    await page.getByText("From network or internet").click();
    await page.getByLabel("File location").fill("ftp://files.example.org\\drop\\contacts.csv");
    await page.getByLabel("Delimiter", { exact: true }).selectOption("other");
    await page.getByLabel("Email for errors").fill("nobody");
    await page.getByRole("button", { name: "Next: preview" }).click();
    await expect(page.getByText("Use / to separate folders in the link: a \\ is not allowed.")).toBeVisible();
    await expect(page.getByText("Type exactly one delimiter character.")).toBeVisible();
    await expect(page.getByText("Enter a valid email address, or leave it empty.")).toBeVisible();
    await page.getByLabel("File location").fill("ftp://files.example.org/drop/contacts.csv");
    await expect(page.getByText("Use / to separate folders in the link: a \\ is not allowed.")).toBeHidden();
    await page.getByRole("button", { name: "Next: preview" }).click();
    await expect(page.getByText("This server needs a login.")).toBeVisible();
    await expect(page.getByText("This server needs a password.")).toBeVisible();
    await shoot(page, "1-source-errors");

    // Step 3: Run Import without a unique identifier.
    await page.getByText("From your computer").click();
    await page.getByLabel("Delimiter", { exact: true }).selectOption("comma");
    await page.getByLabel("Email for errors").fill("");
    await page
      .getByLabel("File to import")
      .setInputFiles({ name: "x.csv", mimeType: "text/csv", buffer: Buffer.from("Code,Email\n1,a@example.org\n") });
    await expect(page.getByText("✓ x.csv")).toBeVisible();
    await page.getByRole("button", { name: "Next: preview" }).click();
    await page.getByRole("button", { name: "Next: mapping" }).click();
    await expect(page.getByLabel("Unique identifier column")).toHaveValue("");
    await page.getByRole("button", { name: "Run without review" }).click();
    await expect(
      page.getByText("Choose the unique identifier column, or generate unique keys automatically."),
    ).toBeVisible();
    // Generated keys: the wizard warns that they switch updates and delete-missing off.
    await page.getByLabel("Unique identifier column").selectOption({ label: "Generate unique key automatically" });
    await expect(page.getByText("Every row will create a new contact.")).toBeVisible();
    await shoot(page, "3-mapping-autokey");
  });
});

test.describe("import wizard without JavaScript", () => {
  test.use({ javaScriptEnabled: false });
  test.afterEach(async ({ page }, info) => shootOnFailure(page, info));

  test("plain form posts: upload, preview, mapping, run", async ({ page }) => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await new SignInPage(page).signInAs("editor");
    const manager = await createTestManager(page, "Wizard nojs");
    await page.goto(`/managers/${manager.id}/imports/new`);
    await page.getByLabel("File to import").setInputFiles({
      name: "plain.csv",
      mimeType: "text/csv",
      buffer: Buffer.from("Email,First Name\nzoe@example.org,Zoe\n"),
    });
    await page.getByRole("button", { name: "Upload file" }).click();
    await expect(page).toHaveURL(/\/imports\/new\?upload=[0-9a-f-]{36}$/);
    await expect(page.getByText("✓ plain.csv")).toBeVisible();
    await shoot(page, "1-source-nojs-uploaded");
    await page.getByRole("button", { name: "Next: preview" }).click();
    await expect(page).toHaveURL(/\/edit\/preview$/);
    const syncId = syncIdFromUrl(page.url());
    await expect(page.getByRole("table")).toContainText("zoe@example.org");
    await page.getByRole("button", { name: "Next: mapping" }).click();
    await expect(page).toHaveURL(/\/edit\/mapping$/);
    // A server-side error comes back on the page, values kept.
    await page.getByRole("button", { name: "Run without review" }).click();
    await expect(
      page.getByText("Choose the unique identifier column, or generate unique keys automatically."),
    ).toBeVisible();
    await page.getByLabel("Unique identifier column").selectOption("Email");
    await page.getByRole("button", { name: "Run without review" }).click();
    await expect(page).toHaveURL(new RegExp(`/imports/${syncId}/runs/[0-9a-f-]{36}$`));
    expect((await waitForRunEnd(syncId)).status).toBe("succeeded");
  });
});
