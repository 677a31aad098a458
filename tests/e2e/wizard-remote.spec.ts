import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { startSftpServer, type TestSftpServer } from "../support/servers/sftp";
import { SignInPage } from "./fixtures";
import { createTestManager, shoot, shootOnFailure, syncIdFromUrl, syncRow } from "./wizard-support";

let sftp: TestSftpServer;
let root: string;

test.beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "wizard-e2e-sftp-"));
  fs.writeFileSync(path.join(root, "members.csv"), "Member;Email;First Name;Language\nM-1;ann@example.org;Ann;en\nM-2;bob@example.org;Bob;pt-br\nM-3;cy@example.org;Cy;English\n");
  sftp = await startSftpServer({ root, user: "feed", password: "feed-pass-42" });
});
test.afterAll(async () => {
  await sftp?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

test.describe("import wizard: remote SFTP source", () => {
  test.beforeEach(async ({ page }) => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await new SignInPage(page).signInAs("editor");
  });
  test.afterEach(async ({ page }, info) => shootOnFailure(page, info));

  test("SFTP source with a trusted host key, delimiter suggestion, schedule; then edit it", async ({ page }) => {
    const manager = await createTestManager(page, "Wizard sftp");
    await page.goto(`/managers/${manager.id}/imports/new`);
    await page.getByText("From network or internet").click();
    const location = `${sftp.url}/members.csv`;
    await page.getByLabel("File location").fill(location);
    await page.getByLabel("Login").fill("feed");
    await page.getByLabel("Password", { exact: true }).fill("feed-pass-42");
    await page.getByLabel("Import name").fill("Member feed");
    await page.getByRole("button", { name: "Test connection" }).click();
    await expect(page.getByText("Connection works.")).toBeVisible();
    await expect(page.getByText(sftp.hostKeyFingerprint)).toBeVisible();
    await page.getByLabel("Trust this fingerprint").check();
    await shoot(page, "1-source-sftp-tested");
    await page.getByRole("button", { name: "Next: preview" }).click();

    await expect(page).toHaveURL(/\/edit\/preview$/);
    const syncId = syncIdFromUrl(page.url());
    let row = await syncRow(syncId);
    expect(row.host_key_fingerprint).toBe(sftp.hostKeyFingerprint);
    expect(row.secret_enc).not.toContain("feed-pass-42");
    // Comma chosen, the file is semicolon-separated: the preview says so.
    await expect(page.getByText("This file looks semicolon-separated — use Semicolon?")).toBeVisible();
    await shoot(page, "2-preview-suggestion");
    await page.getByRole("button", { name: "Use semicolon" }).click();
    await expect(page.getByRole("columnheader", { name: "Member" })).toBeVisible();
    await expect(page.getByText(/Line 4, column “Language”/)).toBeVisible();
    expect((await syncRow(syncId)).delimiter).toBe(";");

    await page.getByRole("button", { name: "Next: mapping" }).click();
    await page.getByLabel("Unique identifier column").selectOption("Member");
    await page.getByRole("button", { name: "Next: run or schedule" }).click();

    await expect(page).toHaveURL(/\/edit\/schedule$/);
    await page.getByText("Schedule import").click();
    await page.getByLabel("Start date").fill("2031-03-03");
    await page.getByLabel("Start time").fill("07:15");
    await page.getByLabel("Time zone").selectOption("America/New_York");
    await page.getByLabel("Repeat").selectOption("weekly");
    await page.getByLabel("Monday", { exact: true }).check();
    await page.getByLabel("Wednesday", { exact: true }).check();
    await page.getByLabel("Notification email").fill("feeds@example.org");
    // The next run times follow the controls (live, from the server's own expansion).
    const times = page.locator(".run-times li");
    await expect(times).toHaveCount(5);
    await expect(times.first()).toContainText("2031-03-03 07:15");
    await expect(times.nth(1)).toContainText("2031-03-05 07:15");
    await shoot(page, "4-schedule");
    await page.getByRole("button", { name: "Finish" }).click();

    await expect(page).toHaveURL(new RegExp(`/managers/${manager.id}/imports\\?notice=import_scheduled$`));
    row = await syncRow(syncId);
    expect(row.state).toBe("active");
    expect(row.schedule).toMatchObject({ start: "2031-03-03T07:15", tz: "America/New_York" });
    expect(row.schedule!.rrule).toContain("BYDAY=MO,WE");
    expect(row.next_run_at?.toISOString()).toBe("2031-03-03T12:15:00.000Z");
    expect(row.error_email).toBe("feeds@example.org");

    // Edit: reopens at the source with everything filled in; the password shows as set, never its value.
    await page.goto(`/managers/${manager.id}/imports/${syncId}/edit`);
    await expect(page).toHaveURL(/\/edit\/source$/);
    await expect(page.getByRole("heading", { level: 1 })).toContainText("Edit import: Member feed");
    await expect(page.getByLabel("File location")).toHaveValue(location);
    await expect(page.getByLabel("Login")).toHaveValue("feed");
    await expect(page.getByLabel("Password", { exact: true })).toHaveValue("");
    await expect(page.getByText("A password is saved. Leave blank to keep it.")).toBeVisible();
    expect(await page.content()).not.toContain("feed-pass-42");
    await expect(page.getByLabel("Delimiter", { exact: true })).toHaveValue("semicolon");
    await shoot(page, "1-source-edit");
    // Editing a live import: the changes wait in a pending edit until the last step.
    const notice = page.getByRole("status", { name: "Unfinished changes" });
    await expect(notice).toContainText("Changes are not live until you finish the last step.");
    await expect(notice.getByRole("button", { name: "Discard changes" })).toHaveCount(0);
    await page.getByLabel("Email for errors").fill("new-ops@example.org");
    await page.getByRole("button", { name: "Next: preview" }).click();
    await expect(page.getByRole("columnheader", { name: "Member" })).toBeVisible();
    row = await syncRow(syncId);
    expect(row.error_email).toBe("feeds@example.org");
    expect(row.pending_edit?.errorEmail).toBe("new-ops@example.org");
    expect(row.state).toBe("active");
    expect(row.secret_enc).toBeTruthy();
    await expect(notice.getByRole("button", { name: "Discard changes" })).toBeVisible();
    await page.getByRole("button", { name: "Next: mapping" }).click();
    await expect(page.getByLabel("Unique identifier column")).toHaveValue("Member");
    await page.getByRole("button", { name: "Next: run or schedule" }).click();
    // The stored schedule comes back into the controls; the pending email too.
    await expect(page.getByLabel("Time zone")).toHaveValue("America/New_York");
    await expect(page.getByLabel("Monday", { exact: true })).toBeChecked();
    await expect(page.getByLabel("Wednesday", { exact: true })).toBeChecked();
    await expect(page.getByLabel("Notification email")).toHaveValue("new-ops@example.org");
    await page.getByRole("button", { name: "Finish" }).click();
    await expect(page).toHaveURL(/\/imports\?notice=import_scheduled$/);
    row = await syncRow(syncId);
    expect(row.error_email).toBe("new-ops@example.org");
    expect(row.pending_edit).toBeNull();

    // Another edit, abandoned: reopening resumes it; "Discard changes" leaves the live import as it was.
    await page.goto(`/managers/${manager.id}/imports/${syncId}/edit`);
    await page.getByLabel("Email for errors").fill("abandoned@example.org");
    await page.getByRole("button", { name: "Next: preview" }).click();
    await expect(page.getByRole("columnheader", { name: "Member" })).toBeVisible();
    await page.goto(`/managers/${manager.id}/imports/${syncId}/edit`);
    await expect(page.getByLabel("Email for errors")).toHaveValue("abandoned@example.org");
    await expect(page.getByText(/You have unfinished changes from/)).toBeVisible();
    await shoot(page, "1-source-pending-edit");
    // The imports list says so too, and its link continues the edit.
    await page.goto(`/managers/${manager.id}/imports`);
    const listed = page.locator(`tr[data-sync-id="${syncId}"]`);
    await expect(listed).toContainText("unfinished edit");
    await listed.getByRole("link", { name: /^Continue editing/ }).click();
    await page.getByRole("button", { name: "Discard changes" }).click();
    await expect(page).toHaveURL(/\/imports\?notice=import_edit_discarded$/);
    await expect(page.getByText("Changes discarded.")).toBeVisible();
    row = await syncRow(syncId);
    expect(row.error_email).toBe("new-ops@example.org");
    expect(row.pending_edit).toBeNull();
  });

  test("schedule step errors, and a reload keeps the saved steps", async ({ page }) => {
    const manager = await createTestManager(page, "Wizard sched");
    await page.goto(`/managers/${manager.id}/imports/new`);
    await page.getByText("From network or internet").click();
    await page.getByLabel("File location").fill(`${sftp.url}/members.csv`);
    await page.getByLabel("Login").fill("feed");
    await page.getByLabel("Password", { exact: true }).fill("feed-pass-42");
    await page.getByLabel("Delimiter", { exact: true }).selectOption("semicolon");
    await page.getByRole("button", { name: "Next: preview" }).click();
    await expect(page).toHaveURL(/\/edit\/preview$/);
    const syncId = syncIdFromUrl(page.url());

    // Back to step 1 after a reload: the values entered are still there.
    await page.reload();
    await page.getByRole("link", { name: "Back" }).click();
    await expect(page.getByLabel("File location")).toHaveValue(`${sftp.url}/members.csv`);
    await expect(page.getByLabel("Delimiter", { exact: true })).toHaveValue("semicolon");
    await page.getByRole("button", { name: "Next: preview" }).click();
    await page.getByRole("button", { name: "Next: mapping" }).click();
    await page.getByLabel("Unique identifier column").selectOption("Email");
    await page.getByRole("button", { name: "Next: run or schedule" }).click();

    await page.getByText("Schedule import").click();
    // Typed but not saved yet: a reload keeps it (sessionStorage, no secrets).
    await page.getByLabel("Start time").fill("05:45");
    await page.getByLabel("Notification email").fill("later@example.org");
    await page.reload();
    await expect(page.getByLabel("Start time")).toHaveValue("05:45");
    await expect(page.getByLabel("Notification email")).toHaveValue("later@example.org");
    await page.getByLabel("Repeat").selectOption("weekly");
    for (const day of ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]) await page.getByLabel(day, { exact: true }).uncheck();
    await page.getByLabel("Start date").fill("");
    await page.getByRole("button", { name: "Finish" }).click();
    await expect(page.getByText("Choose at least one day of the week.", { exact: true })).toBeVisible();
    await expect(page.getByText("Choose a start date.", { exact: true })).toBeVisible();
    await expect(page.getByText(/Not a complete schedule yet/)).toBeVisible();
    await shoot(page, "4-schedule-errors");
    expect((await syncRow(syncId)).state).toBe("draft");

    // A reload comes back to the schedule step of the draft.
    await page.goto(`/managers/${manager.id}/imports/${syncId}/edit`);
    await expect(page).toHaveURL(/\/edit\/schedule$/);
  });
});
