import { describe, expect, it } from "vitest";
import { runErrors } from "@/db/schema";
import { listImports } from "@/lib/runs/queries";
import { makeManager, makeRun, makeSync } from "@/tests/integration/runs/fixtures";
import { useDb } from "@/tests/support/db";

const { db } = useDb();
const ago = (s: number) => new Date(Date.now() - s * 1000);

describe("imports list: a run skipped as unchanged", () => {
  it("keeps the outcome of the run that applied the file (its errors), with when it was found unchanged", async () => {
    const manager = await makeManager(db);
    const sync = await makeSync(db, manager.id);
    const applied = await makeRun(db, sync.id, {
      trigger: "schedule",
      status: "completed_with_errors",
      errorCount: 1,
      queuedAt: ago(7200),
      startedAt: ago(7200),
      finishedAt: ago(7190),
    });
    await db
      .insert(runErrors)
      .values({ runId: applied.id, line: 4, column: "Email", message: "Not an email address." });
    const skipped = await makeRun(db, sync.id, {
      trigger: "schedule",
      status: "skipped_unchanged",
      queuedAt: ago(60),
      startedAt: ago(60),
      finishedAt: ago(59),
    });

    const [row] = await listImports(db, { syncId: sync.id });
    expect(row.latestRun?.id).toBe(skipped.id);
    expect(row.status).toBe("errors");
    expect(row.errors).toEqual(["Line 4, Email: Not an email address."]);
    expect(row.appliedRun?.id).toBe(applied.id);
    expect(row.unchangedSince).toBe(skipped.finishedAt!.toISOString());
  });

  it("a run that applied its file is shown as itself", async () => {
    const manager = await makeManager(db);
    const sync = await makeSync(db, manager.id);
    await makeRun(db, sync.id, { trigger: "schedule", status: "succeeded", finishedAt: ago(10) });
    const [row] = await listImports(db, { syncId: sync.id });
    expect(row).toMatchObject({ status: "ok", unchangedSince: null, appliedRun: null });
  });
});
