import { mkdirSync } from "node:fs";
import { expect, type Page, type TestInfo } from "@playwright/test";
import { builtinFields } from "@/db/schema/contacts";
import { uniqueName, withSql } from "@/tests/e2e/fixtures";

export const shotsDir = process.env.WIZARD_SHOTS_DIR ?? "/tmp/shots-wizard";

/** Full-page screenshots of a wizard step at desktop and phone widths, then back to desktop. */
export async function shoot(page: Page, name: string): Promise<void> {
  mkdirSync(shotsDir, { recursive: true });
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: width > 800 ? 900 : 844 });
    await page.screenshot({ path: `${shotsDir}/${name}-${width}.png`, fullPage: true });
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect.soft(overflow, `${name} scrolls sideways at ${width}px`).toBeLessThanOrEqual(0);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

/** A Contact Manager with the built-in fields, written directly (its own pages are tested elsewhere). */
export async function createTestManager(page: Page, prefix: string): Promise<{ id: string; name: string }> {
  const name = uniqueName(prefix);
  const id = await withSql(async (sql) => {
    const [m] = await sql<{ id: string }[]>`insert into managers (name) values (${name}) returning id`;
    for (const [i, f] of builtinFields.entries()) {
      await sql`insert into fields (manager_id, label, type, role, position) values (${m.id}, ${f.label}, ${f.type}, ${f.role}, ${i})`;
    }
    return m.id;
  });
  await page.goto(`/managers/${id}`);
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  return { id, name };
}

/** On failure, keep a picture of the page. */
export async function shootOnFailure(page: Page, info: TestInfo): Promise<void> {
  if (info.status === info.expectedStatus) return;
  mkdirSync(shotsDir, { recursive: true });
  await page
    .screenshot({
      path: `${shotsDir}/FAILED-${info.title.replace(/[^a-z0-9]+/gi, "-").slice(0, 60)}.png`,
      fullPage: true,
    })
    .catch(() => {});
}

export function syncIdFromUrl(url: string): string {
  return /imports\/([0-9a-f-]{36})\//.exec(url)![1];
}

export async function waitForRunEnd(syncId: string): Promise<{ status: string; created: number }> {
  for (let i = 0; i < 150; i++) {
    const rows = await withSql(
      (sql) =>
        sql<
          { status: string; created: number }[]
        >`select status, created from runs where sync_id = ${syncId} order by queued_at desc limit 1`,
    );
    if (rows[0] && !["queued", "running"].includes(rows[0].status)) return rows[0];
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("the run did not finish");
}

export async function syncRow(syncId: string) {
  const rows = await withSql(
    (sql) =>
      sql<
        {
          state: string;
          wizard_step: number;
          source_kind: string;
          location: string | null;
          secret_enc: string | null;
          host_key_fingerprint: string | null;
          delimiter: string;
          error_email: string | null;
          schedule: { start: string; tz: string; rrule: string } | null;
          next_run_at: Date | null;
          mapping: {
            keyColumn: string | null;
            autoKey: boolean;
            columns: { column: string; fieldId: string }[];
          } | null;
          pending_edit: { errorEmail?: string | null; secretEnc?: string | null } | null;
          settle_seconds: number;
          ready_marker: string | null;
          after_import: string;
        }[]
      >`select * from syncs where id = ${syncId}`,
  );
  return rows[0];
}
