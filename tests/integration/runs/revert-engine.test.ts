import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { rm } from "node:fs/promises";
import { sql } from "drizzle-orm";
import { useDb } from "@/tests/support/db";
import { getSql } from "@/db/client";
import { managerLockName } from "@/lib/sync/apply";
import { executeRun, queueRun, runSync } from "@/lib/sync/run";
import { revertRun, checkRevert } from "@/lib/runs/revert";
import { makeManager, makeSync } from "@/tests/integration/runs/fixtures";
import { contactsByKey } from "@/tests/integration/runs/contact-fixtures";

const { db } = useDb();
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/**
 * Live contacts as key → first name, after whatever the engine and the revert did. Each look also checks that
 * the manager's kept count (managers.contact_count, shown by the pages) matches the live rows.
 */
async function live(managerId: string, firstNameField: string) {
  const all = await contactsByKey(db, managerId);
  const rows = Object.fromEntries(
    [...all.values()]
      .filter((c) => !c.deletedAt)
      .map((c) => [c.key, c.data[firstNameField] ?? ""])
      .sort(),
  );
  const [{ kept }] = await db.execute<{ kept: number }>(
    sql`select contact_count as kept from managers where id = ${managerId}`,
  );
  expect(kept).toBe(Object.keys(rows).length);
  return rows;
}

describe("revert runs made by the engine", () => {
  it("undoes an update + create + delete run, then a revival, then the first import", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "revert-"));
    dirs.push(dir);
    const file = path.join(dir, "contacts.csv");
    const manager = await makeManager(db);
    const first = manager.fields.find((f) => f.role === "first_name")!.id;
    const email = manager.fields.find((f) => f.role === "email")!.id;
    const sync = await makeSync(db, manager.id, {
      sourceKind: "file",
      location: file,
      updateExisting: true,
      deleteMissing: true,
      alwaysImport: true,
      mapping: {
        keyColumn: "Email",
        autoKey: false,
        columns: [
          { column: "Email", fieldId: email },
          { column: "First Name", fieldId: first },
        ],
      },
    });
    const go = async (csv: string) => {
      await writeFile(file, csv);
      return runSync({ syncId: sync.id, trigger: "manual" });
    };

    const r1 = await go("Email,First Name\na@x.test,Ann\nb@x.test,Bob\nc@x.test,Cy\n");
    expect(r1).toMatchObject({ status: "succeeded", created: 3 });
    const afterFirst = await live(manager.id, first);

    // A dry run writes nothing, the count included.
    await writeFile(file, "Email,First Name\nz@x.test,Zed\n");
    expect(await runSync({ syncId: sync.id, trigger: "manual", dryRun: true })).toMatchObject({
      created: 1,
      deleted: 3,
    });
    expect(await live(manager.id, first)).toEqual(afterFirst);

    const r2 = await go("Email,First Name\na@x.test,Anna\nb@x.test,Bob\nd@x.test,Dee\n");
    expect(r2).toMatchObject({ status: "succeeded", created: 1, updated: 1, deleted: 1 });
    expect(await live(manager.id, first)).toEqual({ "a@x.test": "Anna", "b@x.test": "Bob", "d@x.test": "Dee" });

    // r1 cannot be undone while r2's work sits on top of it.
    const blocked = await checkRevert(db, r1.runId);
    expect(blocked).toMatchObject({ ok: false, code: "revert_conflict" });

    expect(await checkRevert(db, r2.runId)).toEqual({ ok: true });
    expect(await revertRun(db, { runId: r2.runId, user: null })).toEqual({ restored: 1, reverted: 1, removed: 1 });
    expect(await live(manager.id, first)).toEqual(afterFirst);

    // Same file again: d@x.test is revived (it was removed by the revert), c@x.test deleted again.
    const r3 = await go("Email,First Name\na@x.test,Anna\nb@x.test,Bob\nd@x.test,Dee\n");
    expect(r3).toMatchObject({ status: "succeeded", created: 1, updated: 1, deleted: 1 });
    await revertRun(db, { runId: r3.runId, user: null });
    expect(await live(manager.id, first)).toEqual(afterFirst);

    // Every later run is reverted: the first import can go too.
    expect(await checkRevert(db, r1.runId)).toEqual({ ok: true });
    expect(await revertRun(db, { runId: r1.runId, user: null })).toMatchObject({ removed: 3 });
    expect(await live(manager.id, first)).toEqual({});

    // And the manager imports cleanly afterwards.
    const r4 = await go("Email,First Name\na@x.test,Ann\n");
    expect(r4.status).toBe("succeeded");
    expect(await live(manager.id, first)).toEqual({ "a@x.test": "Ann" });
  });

  it("knows which run came later by when it applied, not by when it was queued", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "revert-"));
    dirs.push(dir);
    const manager = await makeManager(db);
    const first = manager.fields.find((f) => f.role === "first_name")!.id;
    const email = manager.fields.find((f) => f.role === "email")!.id;
    // Two imports feed the same manager (say a CRM export and a web-shop export).
    const importOf = async (name: string, csv: string) => {
      const file = path.join(dir, name);
      await writeFile(file, csv);
      const sync = await makeSync(db, manager.id, {
        sourceKind: "file",
        location: file,
        updateExisting: true,
        alwaysImport: true,
        mapping: {
          keyColumn: "Email",
          autoKey: false,
          columns: [
            { column: "Email", fieldId: email },
            { column: "First Name", fieldId: first },
          ],
        },
      });
      return { sync, file };
    };
    const a = await importOf("a.csv", "Email,First Name\na@x.test,Ann\n");
    expect(await runSync({ syncId: a.sync.id, trigger: "manual" })).toMatchObject({ created: 1 });
    await writeFile(a.file, "Email,First Name\na@x.test,Carol\n");
    const b = await importOf("b.csv", "Email,First Name\na@x.test,Bob\n");

    // A is queued first, but B applies first (A's source was slower to open, or another instance took A later).
    const runA = await queueRun({ syncId: a.sync.id, trigger: "manual" });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const runB = await queueRun({ syncId: b.sync.id, trigger: "manual" });
    expect(await executeRun(runB)).toMatchObject({ status: "succeeded", updated: 1 }); // Ann → Bob
    expect(await executeRun(runA)).toMatchObject({ status: "succeeded", updated: 1 }); // Bob → Carol

    // Reverting B would put back Ann over A's Carol: A is the later run, whatever the queue said.
    const check = await checkRevert(db, runB);
    expect(check).toMatchObject({ ok: false, code: "revert_conflict" });
    expect(check.ok ? "" : check.reason).toMatch(
      /changed again since\. The latest such run is of the import ".+", finished/,
    );
    await expect(revertRun(db, { runId: runB, user: null })).rejects.toMatchObject({ code: "revert_conflict" });
    expect(await live(manager.id, first)).toEqual({ "a@x.test": "Carol" });

    // Newest first: A, then B.
    await revertRun(db, { runId: runA, user: null });
    expect(await live(manager.id, first)).toEqual({ "a@x.test": "Bob" });
    await revertRun(db, { runId: runB, user: null });
    expect(await live(manager.id, first)).toEqual({ "a@x.test": "Ann" });
  });

  it("records when a run finished, not when its transaction began", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "revert-"));
    dirs.push(dir);
    const file = path.join(dir, "contacts.csv");
    await writeFile(file, "Email,First Name\na@x.test,Ann\n");
    const manager = await makeManager(db);
    const email = manager.fields.find((f) => f.role === "email")!.id;
    const sync = await makeSync(db, manager.id, {
      sourceKind: "file",
      location: file,
      mapping: { keyColumn: "Email", autoKey: false, columns: [{ column: "Email", fieldId: email }] },
    });
    // The run's transaction waits half a second for the manager's lock, held here.
    const holder = await getSql().reserve();
    try {
      await holder`begin`;
      await holder`select pg_advisory_xact_lock(hashtextextended(${managerLockName(manager.id)}, 0))`;
      const run = runSync({ syncId: sync.id, trigger: "manual" });
      await new Promise((resolve) => setTimeout(resolve, 500));
      await holder`commit`;
      const { runId } = await run;
      const [times] = await db.execute<{ ms: number }>(sql`
        select extract(epoch from finished_at - started_at)::float * 1000 as ms from runs where id = ${runId}`);
      expect(times.ms).toBeGreaterThanOrEqual(450);
    } finally {
      holder.release();
    }
  });

  it("gives a revived contact back the key spelling it had before", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "revert-"));
    dirs.push(dir);
    const file = path.join(dir, "contacts.csv");
    const manager = await makeManager(db);
    const email = manager.fields.find((f) => f.role === "email")!.id;
    const sync = await makeSync(db, manager.id, {
      sourceKind: "file",
      location: file,
      deleteMissing: true,
      alwaysImport: true,
      mapping: { keyColumn: "Email", autoKey: false, columns: [{ column: "Email", fieldId: email }] },
    });
    const go = async (csv: string) => {
      await writeFile(file, csv);
      return runSync({ syncId: sync.id, trigger: "manual" });
    };
    const keys = async () =>
      [...(await contactsByKey(db, manager.id)).values()]
        .filter((c) => !c.deletedAt)
        .map((c) => c.key)
        .sort();
    expect(await go("Email\nAnn@X.test\nbob@x.test\n")).toMatchObject({ created: 2 });
    const deleted = await go("Email\nbob@x.test\n");
    expect(deleted).toMatchObject({ deleted: 1 });
    // The key comes back spelt another way: the revived contact takes the file's spelling.
    const revived = await go("Email\nANN@x.TEST\nbob@x.test\n");
    expect(revived).toMatchObject({ created: 1 });
    expect(await keys()).toEqual(["ANN@x.TEST", "bob@x.test"]);

    await revertRun(db, { runId: revived.runId, user: null });
    await revertRun(db, { runId: deleted.runId, user: null });
    expect(await keys()).toEqual(["Ann@X.test", "bob@x.test"]);
  });
});
