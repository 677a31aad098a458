import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { and, eq, sql } from "drizzle-orm";
import { useDb } from "@/tests/support/db";
import { auditLog, runs, syncs } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { approveBlockedRun } from "@/lib/runs/approve";
import { deactivateSync } from "@/lib/runs/deactivate";
import { listImports, listRunsBySyncId } from "@/lib/runs/queries";
import { runSync } from "@/lib/sync/run";
import { makeManager, makeRun, makeSync, makeUser } from "@/tests/integration/runs/fixtures";

const { db } = useDb();
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function refused(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error("expected a refusal");
}

async function waitFor(runId: string) {
  for (let i = 0; i < 100; i++) {
    const [r] = await db.select().from(runs).where(eq(runs.id, runId));
    if (r.status !== "queued" && r.status !== "running") return r;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error("run did not finish");
}

describe("approve a blocked run", () => {
  it("applies what the safety rule held back, once, audit-logged", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "approve-"));
    dirs.push(dir);
    const file = path.join(dir, "c.csv");
    const editor = await makeUser(db, "editor");
    const manager = await makeManager(db);
    const email = manager.fields.find((f) => f.role === "email")!.id;
    const sync = await makeSync(db, manager.id, {
      sourceKind: "file",
      location: file,
      deleteMissing: true,
      alwaysImport: true,
      mapping: { keyColumn: "Email", autoKey: false, columns: [{ column: "Email", fieldId: email }] },
    });
    await writeFile(file, "Email\n" + Array.from({ length: 10 }, (_, i) => `p${i}@x.test`).join("\n") + "\n");
    expect((await runSync({ syncId: sync.id, trigger: "manual" })).status).toBe("succeeded");
    // A scheduled run that would delete 5 of 10 contacts is blocked.
    await writeFile(file, "Email\n" + Array.from({ length: 5 }, (_, i) => `p${i}@x.test`).join("\n") + "\n");
    const blocked = await runSync({ syncId: sync.id, trigger: "schedule" });
    expect(blocked).toMatchObject({ status: "blocked", deleted: 5 });

    const { runId } = await approveBlockedRun(db, {
      runId: blocked.runId,
      user: { id: editor.id, email: editor.email },
    });
    const approval = await waitFor(runId);
    expect(approval).toMatchObject({
      status: "succeeded",
      trigger: "approval",
      approvesRunId: blocked.runId,
      deleted: 5,
      requestedBy: editor.id,
    });
    const [entry] = await db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "run.approve"), eq(auditLog.targetId, blocked.runId)));
    expect(entry.details).toMatchObject({ approvalRunId: runId, wouldDelete: 5 });

    expect((await refused(approveBlockedRun(db, { runId: blocked.runId, user: editor }))).code).toBe(
      "already_approved",
    );
    expect((await refused(approveBlockedRun(db, { runId: approval.id, user: editor }))).code).toBe("not_blocked");
  });

  it("applies only what was approved: a changed file or manager blocks the approval run again, with the new counts", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "approve-"));
    dirs.push(dir);
    const editor = await makeUser(db, "editor");
    const manager = await makeManager(db);
    const email = manager.fields.find((f) => f.role === "email")!.id;
    const mapping = { keyColumn: "Email", autoKey: false, columns: [{ column: "Email", fieldId: email }] };
    const file = path.join(dir, "c.csv");
    const sync = await makeSync(db, manager.id, { sourceKind: "file", location: file, deleteMissing: true, mapping });
    const people = (from: number, to: number) =>
      "Email\n" + Array.from({ length: to - from }, (_, i) => `p${from + i}@x.test`).join("\n") + "\n";
    const live = async () => {
      const [{ n }] = await db.execute<{ n: number }>(
        sql`select count(*)::int as n from contacts where manager_id = ${manager.id} and deleted_at is null`,
      );
      return n;
    };
    const approve = async (runId: string) =>
      waitFor((await approveBlockedRun(db, { runId, user: { id: editor.id, email: editor.email } })).runId);

    await writeFile(file, people(0, 10));
    expect(await runSync({ syncId: sync.id, trigger: "manual" })).toMatchObject({ status: "succeeded", created: 10 });
    await writeFile(file, people(0, 8));
    const blocked = await runSync({ syncId: sync.id, trigger: "schedule" });
    expect(blocked).toMatchObject({ status: "blocked", deleted: 2 });

    // Before anyone approves "2 deleted", the export is replaced by a header-only file.
    await writeFile(file, "Email\n");
    const again = await approve(blocked.runId);
    expect(again).toMatchObject({ status: "blocked", trigger: "approval", deleted: 10 });
    expect(again.message).toMatch(
      /^Not applied: the file has changed since the run you approved was blocked \(that plan: 0 updated, 2 deleted\)\. With this file the import would make 0 updated, 10 deleted\./,
    );
    expect(await live()).toBe(10);

    // The file is back, but another import has added 90 contacts to the manager meanwhile: deleting 92 was never approved.
    await writeFile(file, people(0, 8));
    const blockedAgain = await runSync({ syncId: sync.id, trigger: "schedule" });
    expect(blockedAgain).toMatchObject({ status: "blocked", deleted: 2 });
    const otherFile = path.join(dir, "other.csv");
    await writeFile(otherFile, people(100, 190));
    const other = await makeSync(db, manager.id, { sourceKind: "file", location: otherFile, mapping });
    expect(await runSync({ syncId: other.id, trigger: "manual" })).toMatchObject({ created: 90 });
    const stillBlocked = await approve(blockedAgain.runId);
    expect(stillBlocked).toMatchObject({ status: "blocked", deleted: 92 });
    expect(stillBlocked.message).toMatch(
      /^Not applied: the Contact Manager has changed since the run you approved was blocked, and this import would now make 0 updated, 92 deleted — more than the 0 updated, 2 deleted approved\./,
    );
    expect(await live()).toBe(100);

    // Approving the run that shows 92 deletions applies them.
    expect(await approve(stillBlocked.id)).toMatchObject({ status: "succeeded", deleted: 92 });
    expect(await live()).toBe(8);
  });

  it("refuses an out-of-date blocked run once a later run finished", async () => {
    const editor = await makeUser(db, "editor");
    const manager = await makeManager(db);
    const sync = await makeSync(db, manager.id);
    const old = await makeRun(db, sync.id, {
      status: "blocked",
      queuedAt: new Date(Date.now() - 3_600_000),
      deleted: 40,
    });
    await makeRun(db, sync.id, { status: "succeeded" });
    expect((await refused(approveBlockedRun(db, { runId: old.id, user: editor }))).code).toBe("stale_approval");
  });
});

describe("delete an import", () => {
  it("deactivates it, keeps its history, removes it from the list; audit-logged", async () => {
    const editor = await makeUser(db, "editor");
    const manager = await makeManager(db);
    const sync = await makeSync(db, manager.id, { nextRunAt: new Date(Date.now() + 3_600_000) });
    await makeRun(db, sync.id, { status: "succeeded", created: 3 });
    expect((await listImports(db, { managerId: manager.id })).map((r) => r.id)).toEqual([sync.id]);

    await deactivateSync(db, { syncId: sync.id, user: { id: editor.id, email: editor.email } });
    const [row] = await db.select().from(syncs).where(eq(syncs.id, sync.id));
    expect(row).toMatchObject({ state: "deleted", nextRunAt: null });
    expect(row.deletedAt).not.toBeNull();
    expect(await listImports(db, { managerId: manager.id })).toEqual([]);
    expect((await listRunsBySyncId(db, { syncId: sync.id })).total).toBe(1);
    const [entry] = await db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "sync.delete"), eq(auditLog.targetId, sync.id)));
    expect(entry.userEmail).toBe(editor.email);

    expect((await refused(deactivateSync(db, { syncId: sync.id, user: editor }))).status).toBe(404);
  });

  it("is refused while the import runs", async () => {
    const editor = await makeUser(db, "editor");
    const manager = await makeManager(db);
    const sync = await makeSync(db, manager.id);
    await makeRun(db, sync.id, { status: "running", finishedAt: null });
    expect((await refused(deactivateSync(db, { syncId: sync.id, user: editor }))).code).toBe("run_active");
    const [row] = await db.select().from(syncs).where(eq(syncs.id, sync.id));
    expect(row.state).toBe("active");
  });
});
