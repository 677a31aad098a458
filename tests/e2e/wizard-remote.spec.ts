import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, type Page, test } from "@playwright/test";
import { startSftpServer, type TestSftpServer } from "@/tests/support/servers/sftp";
import { SignInPage } from "@/tests/e2e/fixtures";
import { createTestManager, shoot, shootOnFailure, syncIdFromUrl, syncRow } from "@/tests/e2e/wizard-support";

let sftp: TestSftpServer;
let root: string;

test.beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "wizard-e2e-sftp-"));
  fs.writeFileSync(
    path.join(root, "members.csv"),
    "Member;Email;First Name;Language\nM-1;ann@example.org;Ann;en\nM-2;bob@example.org;Bob;pt-br\nM-3;cy@example.org;Cy;English\n",
  );
  // An export written an hour ago: finished, so runs do not wait for it to settle (30 s by default).
  const hourAgo = Date.now() / 1000 - 3600;
  fs.utimesSync(path.join(root, "members.csv"), hourAgo, hourAgo);
  // A drop folder for the feed options: one export with its ready marker, one still without.
  fs.mkdirSync(path.join(root, "drop"));
  fs.writeFileSync(path.join(root, "drop/day1.csv"), "Member;Email\nM-1;ann@example.org\n");
  fs.writeFileSync(path.join(root, "drop/day1.csv.done"), "");
  fs.writeFileSync(path.join(root, "drop/day2.csv"), "Member;Email\nM-2;bob@example.org\n");
  fs.utimesSync(path.join(root, "drop/day1.csv"), hourAgo, hourAgo);
  fs.utimesSync(path.join(root, "drop/day2.csv"), hourAgo + 60, hourAgo + 60);
  sftp = await startSftpServer({ root, user: "feed", password: "feed-pass-42" });
});
test.afterAll(async () => {
  await sftp?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

/** Step 1 of a new import of members.csv from the test SFTP server, saved; on the preview. Returns the draft's id. */
async function sftpSourceToPreview(page: Page, managerId: string): Promise<string> {
  await page.goto(`/managers/${managerId}/imports/new`);
  await page.getByText("From network or internet").click();
  await page.getByLabel("File location").fill(`${sftp.url}/members.csv`);
  await page.getByLabel("Login").fill("feed");
  await page.getByLabel("Password", { exact: true }).fill("feed-pass-42");
  await page.getByLabel("Delimiter", { exact: true }).selectOption("semicolon");
  await page.getByRole("button", { name: "Next: preview" }).click();
  await expect(page).toHaveURL(/\/edit\/preview$/);
  return syncIdFromUrl(page.url());
}

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
    // The page says how the host key is trusted: pinned on first use (there is no box that does nothing).
    await expect(page.getByTestId("host-key-rule")).toContainText("pinned on first use");
    await page.getByLabel("Login").fill("feed");
    await page.getByLabel("Password", { exact: true }).fill("feed-pass-42");
    await page.getByLabel("Import name").fill("Member feed");
    await page.getByRole("button", { name: "Test connection" }).click();
    await expect(page.getByText("Connection works.")).toBeVisible();
    await expect(page.getByText(sftp.hostKeyFingerprint)).toBeVisible();
    await expect(page.getByText("It is pinned when you go on")).toBeVisible();
    await expect(page.getByLabel("Trust this fingerprint")).toHaveCount(0);
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
    await page.getByLabel("Time zone", { exact: true }).selectOption("America/New_York");
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

    await expect(page.getByText("Import scheduled.")).toBeVisible();
    await expect(page).toHaveURL(new RegExp(`/managers/${manager.id}/imports$`));
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
    await expect(page.getByLabel("Time zone", { exact: true })).toHaveValue("America/New_York");
    await expect(page.getByLabel("Monday", { exact: true })).toBeChecked();
    await expect(page.getByLabel("Wednesday", { exact: true })).toBeChecked();
    await expect(page.getByLabel("Notification email")).toHaveValue("new-ops@example.org");
    await page.getByRole("button", { name: "Finish" }).click();
    await expect(page).toHaveURL(/\/imports$/);
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
    await expect(page).toHaveURL(/\/imports$/);
    await expect(page.getByText("Changes discarded.")).toBeVisible();
    row = await syncRow(syncId);
    expect(row.error_email).toBe("new-ops@example.org");
    expect(row.pending_edit).toBeNull();
  });

  test("schedule step errors, and a reload keeps the saved steps", async ({ page }) => {
    const manager = await createTestManager(page, "Wizard sched");
    const syncId = await sftpSourceToPreview(page, manager.id);

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
    for (const day of ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"])
      await page.getByLabel(day, { exact: true }).uncheck();
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

  test("a scheduled setup reviewed first: the dry run, then Schedule import makes it live at its times", async ({
    page,
  }) => {
    const manager = await createTestManager(page, "Wizard review sched");
    const syncId = await sftpSourceToPreview(page, manager.id);
    await page.getByRole("button", { name: "Next: mapping" }).click();
    await page.getByLabel("Unique identifier column").selectOption("Member");
    await page.getByRole("button", { name: "Next: run or schedule" }).click();

    await page.getByText("Schedule import").click();
    await page.getByLabel("Start date").fill("2031-03-03");
    await page.getByLabel("Start time").fill("07:15");
    await page.getByLabel("Time zone", { exact: true }).selectOption("America/New_York");
    await page.getByRole("button", { name: "Review import" }).click();

    await expect(page).toHaveURL(/\/review\?run=.*finish=schedule/);
    await expect(page.getByTestId("review-counts")).toContainText("2 created", { timeout: 30_000 });
    // Cy's language "English" is not a language tag: a row error, listed before anything is written.
    await expect(page.getByTestId("review-counts")).toContainText("1 row skipped");
    await expect(page.getByText("Nothing is imported now")).toBeVisible();
    await shoot(page, "5-review-scheduled");
    let row = await syncRow(syncId);
    expect(row.state).toBe("draft");
    expect(row.next_run_at).toBeNull();
    await page.getByRole("button", { name: "Schedule import" }).click();

    await expect(page.getByText("Import scheduled.")).toBeVisible();
    row = await syncRow(syncId);
    expect(row.state).toBe("active");
    expect(row.schedule).toMatchObject({ start: "2031-03-03T07:15", tz: "America/New_York" });
    expect(row.next_run_at?.toISOString()).toBe("2031-03-03T12:15:00.000Z");
  });

  test("feed options: Test connection shows which files are ready; settle, marker and after-import are saved", async ({
    page,
  }) => {
    const manager = await createTestManager(page, "Wizard feed options");
    await page.goto(`/managers/${manager.id}/imports/new`);
    await page.getByText("From network or internet").click();
    await page.getByLabel("File location").fill(`${sftp.url}/drop/*.csv`);
    await page.getByLabel("Login").fill("feed");
    await page.getByLabel("Password", { exact: true }).fill("feed-pass-42");
    await page.getByLabel("Settle time (seconds)").fill("60");
    await page.getByLabel("Ready marker (optional)").fill(".done");
    await page.getByLabel("Move it into a folder").check();
    await page.getByLabel("Folder to move imported files into").fill("processed");
    await page.getByRole("button", { name: "Test connection" }).click();
    await expect(page.getByText("Connection works.")).toBeVisible();
    await expect(page.getByRole("listitem").filter({ hasText: "day1.csv" })).toContainText("ready");
    await expect(page.getByRole("listitem").filter({ hasText: "day2.csv" })).toContainText("not ready (no marker)");
    await shoot(page, "1-source-feed-options-tested");
    // No box to tick: the host key the test showed is pinned as the user goes on.
    await page.getByRole("button", { name: "Next: preview" }).click();
    await expect(page).toHaveURL(/\/edit\/preview$/);
    const row = await syncRow(syncIdFromUrl(page.url()));
    expect(row).toMatchObject({ settle_seconds: 60, ready_marker: ".done", after_import: "move:processed" });
  });
});
