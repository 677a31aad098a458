import { mkdirSync, readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test, type Page } from "@playwright/test";
import { builtinFields } from "@/db/schema/contacts";
import { SignInPage, uniqueName, withSql } from "@/tests/e2e/fixtures";

/**
 * The imports list, Go with live progress, the status tooltip, run pages, the errors CSV, approve and
 * revert, delete — through the browser, with and without JavaScript. Data is written straight into the
 * test database; remote files come from a loopback HTTP server started here.
 */

const shots = process.env.IMPORTS_SHOTS_DIR ?? "/tmp/shots-imports";
const ROWS = 30_000;
let csvBase = "";
let server: http.Server;

function csv(rows: number, prefix = "p"): string {
  let out = "Email,First Name\n";
  for (let i = 0; i < rows; i++) out += `${prefix}${i}@example.test,Name ${i}\n`;
  return out;
}

test.beforeAll(async () => {
  const big = Buffer.from(csv(ROWS));
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname === "/slow.csv") {
      // About four seconds for the whole file, announced size first: the list shows a progress bar.
      res.writeHead(200, { "content-type": "text/csv", "content-length": String(big.length) });
      const parts = 16;
      const size = Math.ceil(big.length / parts);
      let i = 0;
      const timer = setInterval(() => {
        res.write(big.subarray(i * size, (i + 1) * size));
        if (++i >= parts) {
          clearInterval(timer);
          res.end();
        }
      }, 250);
      req.on("close", () => clearInterval(timer));
      return;
    }
    const rows = Number(url.searchParams.get("rows") ?? "3");
    res.writeHead(200, { "content-type": "text/csv" });
    res.end(csv(rows));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  csvBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

test.afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

type Seeded = { managerId: string; managerName: string; email: string; first: string };

async function seedManager(): Promise<Seeded> {
  const managerName = uniqueName("Imports");
  return withSql(async (sql) => {
    const [m] = await sql<{ id: string }[]>`insert into managers (name) values (${managerName}) returning id`;
    const ids: Record<string, string> = {};
    for (const [i, f] of builtinFields.entries()) {
      const [row] = await sql<{ id: string }[]>`
        insert into fields (manager_id, label, type, role, position) values (${m.id}, ${f.label}, ${f.type}, ${f.role}, ${i}) returning id`;
      ids[f.role] = row.id;
    }
    return { managerId: m.id, managerName, email: ids.email, first: ids.first_name };
  });
}

async function seedSync(
  s: Seeded,
  o: {
    name?: string;
    location?: string;
    kind?: string;
    schedule?: boolean;
    errorEmail?: string;
    deleteMissing?: boolean;
  } = {},
): Promise<{ id: string; name: string }> {
  const name = o.name ?? uniqueName("Sync");
  const mapping = {
    keyColumn: "Email",
    autoKey: false,
    columns: [
      { column: "Email", fieldId: s.email },
      { column: "First Name", fieldId: s.first },
    ],
  };
  const schedule = o.schedule ? { start: "2026-01-05T07:30", tz: "Asia/Tokyo", rrule: "FREQ=DAILY" } : null;
  return withSql(async (sql) => {
    const [row] = await sql<{ id: string }[]>`
      insert into syncs (manager_id, name, state, wizard_step, source_kind, location, mapping, allow_private_hosts, update_existing, delete_missing, always_import, schedule, next_run_at, error_email)
      values (${s.managerId}, ${name}, 'active', 5, ${o.kind ?? "http"}, ${o.kind === "upload" ? null : (o.location ?? `${csvBase}/contacts.csv?rows=3`)},
              ${sql.json(mapping)}, true, true, ${o.deleteMissing ?? false}, true, ${schedule ? sql.json(schedule) : null},
              ${o.schedule ? new Date("2030-03-04T22:30:00Z") : null}, ${o.errorEmail ?? null})
      returning id`;
    return { id: row.id, name };
  });
}

async function seedRun(
  syncId: string,
  o: {
    status: string;
    created?: number;
    updated?: number;
    deleted?: number;
    message?: string;
    errors?: { line: number; column: string; message: string }[];
  },
) {
  return withSql(async (sql) => {
    const [run] = await sql<{ id: string }[]>`
      insert into runs (sync_id, trigger, status, created, updated, deleted, error_count, message, queued_at, started_at, finished_at, source_name)
      values (${syncId}, 'schedule', ${o.status}, ${o.created ?? 0}, ${o.updated ?? 0}, ${o.deleted ?? 0}, ${o.errors?.length ?? 0}, ${o.message ?? null},
              now() - interval '2 minutes', now() - interval '2 minutes', now() - interval '1 minute', 'contacts.csv')
      returning id`;
    for (const e of o.errors ?? [])
      await sql`insert into run_errors (run_id, line, "column", message) values (${run.id}, ${e.line}, ${e.column}, ${e.message})`;
    return run.id;
  });
}

function row(page: Page, syncId: string) {
  return page.locator(`tr[data-sync-id="${syncId}"]`);
}

async function shoot(page: Page, name: string) {
  mkdirSync(shots, { recursive: true });
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: width > 800 ? 900 : 844 });
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow, `${name} scrolls sideways at ${width}px`).toBeLessThanOrEqual(0);
    await page.screenshot({ path: `${shots}/${name}-${width}.png`, fullPage: true });
    if (width < 800) await page.screenshot({ path: `${shots}/${name}-${width}-top.png` });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

test("Go shows live progress, then the result; Go is disabled while the run is active", async ({ page }) => {
  const s = await seedManager();
  const sync = await seedSync(s, { location: `${csvBase}/slow.csv`, schedule: true });
  await new SignInPage(page).signInAs("editor");
  await page.goto(`/managers/${s.managerId}/imports`);
  const r = row(page, sync.id);
  await expect(r.getByText("Never", { exact: true })).toBeVisible();
  // Next Import: in the viewer's zone (the one clock), and in the schedule's own (Tokyo: 22:30 UTC is 07:30 next day).
  await expect(r.getByRole("cell").nth(2).locator("time")).toHaveAttribute("title", "Mon 2030-03-04 22:30 UTC");
  await expect(r.getByRole("cell").nth(2)).toContainText("Schedule's zone: Tue 2030-03-05 07:30 (Asia/Tokyo)");

  await r.getByRole("button", { name: /^Go: import/ }).click();
  const bar = r.getByRole("progressbar");
  await expect(bar).toBeVisible();
  await expect(r.getByRole("button", { name: /^Go: import/ })).toBeDisabled();
  await expect(r).toContainText(/rows/);
  await expect(r).toContainText(/%/);
  await shoot(page, "list-running");
  await expect(r.getByText("OK", { exact: true })).toBeVisible({ timeout: 30_000 });
  await expect(bar).toHaveCount(0);
  await expect(r).toContainText(`${ROWS.toLocaleString("en-US")} created`);
  await expect(r.getByRole("button", { name: /^Go: import/ })).toBeEnabled();
  const [{ created }] = await withSql(
    (sql) => sql<{ created: number }[]>`select created from runs where sync_id = ${sync.id}`,
  );
  expect(created).toBe(ROWS);
  await expect(page.getByRole("status").filter({ hasText: "finished" })).toHaveCount(1);
});

test("Go on an import that deletes missing contacts reviews first: who would go, then Run Import", async ({ page }) => {
  const s = await seedManager();
  const sync = await seedSync(s, { location: `${csvBase}/contacts.csv?rows=2`, deleteMissing: true });
  await withSql(async (sql) => {
    for (const key of ["p0@example.test", "p1@example.test", "gone@example.test"])
      await sql`insert into contacts (manager_id, key, key_norm, data, row_hash)
        values (${s.managerId}, ${key}, ${key}, ${sql.json({ [s.email]: key, [s.first]: "Old" })}, 'old')`;
  });
  await new SignInPage(page).signInAs("editor");
  await page.goto(`/managers/${s.managerId}/imports`);
  await row(page, sync.id)
    .getByRole("button", { name: /^Go: review what importing/ })
    .click();
  await expect(page).toHaveURL(/\/review\?run=.*from=go/);
  const counts = page.getByTestId("review-counts");
  await expect(counts).toContainText("1 deleted", { timeout: 30_000 });
  await expect(counts).toContainText("2 updated");
  await expect(page.getByRole("list", { name: /Would delete 1 contact/ })).toContainText("gone@example.test");
  await shoot(page, "go-review");
  const before = await withSql(
    (sql) =>
      sql<
        { n: number }[]
      >`select count(*)::int as n from contacts where manager_id = ${s.managerId} and deleted_at is null`,
  );
  expect(before[0].n).toBe(3);
  await page.getByRole("button", { name: "Run Import" }).click();
  await expect(page).toHaveURL(/\/runs\/[0-9a-f-]{36}$/);
  await expect
    .poll(
      async () =>
        (
          await withSql(
            (sql) =>
              sql<
                { key: string }[]
              >`select key from contacts where manager_id = ${s.managerId} and deleted_at is null order by key`,
          )
        ).map((c) => c.key),
      { timeout: 30_000 },
    )
    .toEqual(["p0@example.test", "p1@example.test"]);
  await expect(page.getByText(/\b1 deleted/).first()).toBeVisible();
});

test("the status tooltip lists the errors on hover and on keyboard focus", async ({ page }) => {
  const s = await seedManager();
  const ok = await seedSync(s, { name: `${uniqueName("A")} ok` });
  const warn = await seedSync(s, { name: `${uniqueName("B")} warn` });
  const failed = await seedSync(s, { name: `${uniqueName("C")} failed` });
  await seedRun(ok.id, { status: "succeeded", created: 12 });
  await seedRun(warn.id, {
    status: "completed_with_errors",
    created: 7,
    errors: [
      { line: 4, column: "Email", message: "“bob@” is not an email address" },
      { line: 9, column: "Language", message: "“English” is not an ISO language tag" },
    ],
  });
  await seedRun(failed.id, { status: "failed", message: "The server answered 404 Not Found." });
  await new SignInPage(page).signInAs("viewer");
  await page.goto(`/managers/${s.managerId}/imports`);

  await expect(row(page, ok.id).getByText("OK", { exact: true })).toBeVisible();
  const mark = row(page, warn.id).getByRole("button", { name: "2 errors" });
  // (role queries skip hidden elements: find the closed tooltip by its attribute)
  const tip = page.locator('[role="tooltip"]').filter({ hasText: "not an email address" });
  await expect(tip).toBeHidden();
  await expect(mark).toHaveAttribute("aria-describedby", (await tip.getAttribute("id"))!);

  await mark.hover();
  await expect(tip).toBeVisible();
  await expect(tip).toContainText("Line 4, Email: “bob@” is not an email address");
  await expect(tip).toContainText("Line 9, Language");
  await shoot(page, "list-tooltip");
  await page.mouse.move(5, 5);
  await expect(tip).toBeHidden();

  await mark.focus();
  await expect(tip).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(tip).toBeHidden();
  await page.keyboard.press("Shift+Tab");
  await page.keyboard.press("Tab");
  await expect(tip).toBeVisible();

  // On a phone the tooltip opens inside the card with a tap.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.mouse.move(1, 1);
  await page.locator("h1").click();
  await expect(tip).toBeHidden();
  await mark.click();
  await expect(tip).toBeVisible();
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: `${shots}/list-tooltip-390-open.png` });
  await page.setViewportSize({ width: 1280, height: 900 });

  const failTip = page.locator('[role="tooltip"]').filter({ hasText: "404 Not Found" });
  await row(page, failed.id).getByRole("button", { name: "Failed" }).focus();
  await expect(failTip).toBeVisible();
  // A viewer sees no Go, Edit or Delete.
  await expect(page.getByRole("button", { name: /^Go/ })).toHaveCount(0);
  await expect(page.getByText("Delete", { exact: true })).toHaveCount(0);
});

test("run history, run page with paginated errors, and the errors CSV download", async ({ page }) => {
  const s = await seedManager();
  const sync = await seedSync(s);
  const errors = Array.from({ length: 130 }, (_, i) => ({ line: i + 2, column: "Email", message: `bad address ${i}` }));
  errors[0] = { line: 2, column: "Email", message: '=HYPERLINK("http://evil.example","click")' };
  const runId = await seedRun(sync.id, { status: "completed_with_errors", created: 5, errors });
  await new SignInPage(page).signInAs("editor");
  await page.goto(`/managers/${s.managerId}/imports`);
  await row(page, sync.id).getByRole("link", { name: sync.name, exact: true }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText(`Run history of “${sync.name}”`);
  await expect(page.getByRole("table")).toContainText("Completed with errors");
  await shoot(page, "history");
  await page
    .getByRole("link", { name: /: details$/ })
    .first()
    .click();
  await expect(page).toHaveURL(new RegExp(`/runs/${runId}$`));
  await expect(page.locator("#errors p").first()).toContainText("130 row errors");
  await expect(page.locator("#errors tbody tr")).toHaveCount(100);
  await shoot(page, "run-errors");
  await page.getByRole("link", { name: "Next ›" }).click();
  await expect(page.locator("#errors tbody tr")).toHaveCount(30);
  await expect(page.locator("#errors")).toContainText("bad address 129");

  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download errors as CSV" }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/-errors\.csv$/);
  const text = readFileSync((await file.path())!, "utf8");
  const lines = text
    .replace(/^\uFEFF/, "")
    .trim()
    .split("\r\n");
  expect(lines[0]).toBe("Line,Column,Error");
  expect(lines).toHaveLength(131);
  expect(lines[1]).toBe(`2,Email,"'=HYPERLINK(""http://evil.example"",""click"")"`);

  // Anonymous: the CSV route answers 401 as JSON.
  const anon = await fetch(new URL(`/managers/${s.managerId}/imports/${sync.id}/runs/${runId}/errors.csv`, page.url()));
  expect(anon.status).toBe(401);
});

test("approve a blocked run, then revert the approval run", async ({ page }) => {
  const s = await seedManager();
  const sync = await seedSync(s, { location: `${csvBase}/contacts.csv?rows=4` });
  const blocked = await seedRun(sync.id, {
    status: "blocked",
    updated: 40,
    deleted: 25,
    message:
      "Not applied: this scheduled import would change 65 of 100 contacts (40 updated, 25 deleted — 65.0%), more than the safety threshold of 10%.",
  });
  await new SignInPage(page).signInAs("editor");
  await page.goto(`/managers/${s.managerId}/imports`);
  const tip = row(page, sync.id).getByRole("button", { name: "Blocked" });
  await expect(tip).toBeVisible();
  await page.goto(`/managers/${s.managerId}/imports/${sync.id}/runs/${blocked}`);
  await expect(page.getByRole("heading", { name: "What this run would have changed" })).toBeVisible();
  await expect(page.locator("main")).toContainText("25 deleted");
  await shoot(page, "run-blocked");
  await page.getByRole("button", { name: "Approve and run" }).click();
  await expect(page.getByText("Run approved.")).toBeVisible();
  await expect(page.getByRole("link", { name: "the blocked run" })).toBeVisible();
  // The approval run's page follows the run to its end.
  await expect(page.getByText("What this run changed")).toBeVisible({ timeout: 30_000 });
  await expect(page.locator("[data-run-status]").first()).toHaveAttribute("data-run-status", "succeeded");
  await expect(page.locator("main")).toContainText("4 created");

  await page.getByLabel("I want to undo the changes of this run").check();
  await page.getByRole("button", { name: "Revert this run" }).click();
  await expect(page.getByText("Run reverted.")).toBeVisible();
  await expect(page.locator("main")).toContainText("Reverted on");
  const live = await withSql(
    (sql) =>
      sql<
        { n: number }[]
      >`select count(*)::int as n from contacts where manager_id = ${s.managerId} and deleted_at is null`,
  );
  expect(live[0].n).toBe(0);
  const audit = await withSql(
    (sql) =>
      sql<
        { action: string }[]
      >`select action from audit_log where target_id = ${blocked} or details->>'syncId' = ${sync.id} order by id`,
  );
  expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(["run.approve", "run.revert"]));
  await page.goto(`/managers/${s.managerId}/imports/${sync.id}/runs/${blocked}`);
  await expect(page.getByText("Approved: see")).toBeVisible();
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("Go and Delete work as plain forms, with a confirmation", async ({ page }) => {
    const s = await seedManager();
    const go = await seedSync(s);
    const upload = await seedSync(s, { kind: "upload" });
    const gone = await seedSync(s);
    await new SignInPage(page).signInAs("editor");
    await page.goto(`/managers/${s.managerId}/imports`);
    await expect(row(page, upload.id).getByRole("button", { name: /^Go/ })).toHaveCount(0);
    await expect(row(page, upload.id)).toContainText("Upload");

    await row(page, go.id)
      .getByRole("button", { name: /^Go: import/ })
      .click();
    await expect(page.getByText("Import started.")).toBeVisible();
    const runs = await withSql((sql) => sql<{ trigger: string }[]>`select trigger from runs where sync_id = ${go.id}`);
    expect(runs).toEqual([{ trigger: "manual" }]);

    await row(page, gone.id).getByText("Delete", { exact: true }).click();
    await expect(row(page, gone.id)).toContainText("Its run history and the contacts it imported are kept.");
    await shoot(page, "list-delete-confirm");
    await row(page, gone.id).getByRole("button", { name: "Delete import" }).click();
    await expect(page.getByText("Import deleted.")).toBeVisible();
    await expect(row(page, gone.id)).toHaveCount(0);
    const [state] = await withSql((sql) => sql<{ state: string }[]>`select state from syncs where id = ${gone.id}`);
    expect(state.state).toBe("deleted");
  });
});

test("the list across all managers, and the admin outbox", async ({ page }) => {
  const s = await seedManager();
  const sync = await seedSync(s, { errorEmail: "ops@example.test" });
  await seedRun(sync.id, { status: "failed", message: "Login refused by the server." });
  await withSql(
    (sql) => sql`insert into notifications (run_id, "to", subject, body, status, attempts, last_error)
      select id, 'ops@example.test', 'Contact Sync: import failed', 'The import failed.', 'logged', 1, null from runs where sync_id = ${sync.id}`,
  );
  await new SignInPage(page).signInAs("admin");
  await page.goto("/imports");
  await expect(row(page, sync.id)).toContainText(s.managerName);
  await expect(page.getByRole("button", { name: "Setup New Import" })).toBeVisible();
  await shoot(page, "all-imports");
  // Delete with JavaScript on: same confirmation, the row leaves the list.
  await row(page, sync.id).getByText("Delete", { exact: true }).click();
  await row(page, sync.id).getByRole("button", { name: "Delete import" }).click();
  await expect(page.getByText("Import deleted.")).toBeVisible();
  await expect(row(page, sync.id)).toHaveCount(0);
  // The notice belongs to that action: the address loses it, so a reload does not show it again.
  await expect(page).toHaveURL(/\/imports$/);
  await page.goto("/admin/outbox");
  await expect(page.getByRole("table")).toContainText("Contact Sync: import failed");
  await expect(page.getByRole("table")).toContainText("Logged only");
  await shoot(page, "outbox");
});
