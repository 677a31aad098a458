import { describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import { useDb } from "@/tests/support/db";
import { auditLog, runs } from "@/db/schema";
import { revertRun } from "@/lib/runs/revert";
import { AppError } from "@/lib/errors";
import { makeManager, makeRun, makeSync, makeUser } from "@/tests/integration/runs/fixtures";
import { contactsByKey, recordRun } from "@/tests/integration/runs/contact-fixtures";

const { db } = useDb();
const t = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000);

async function setup() {
  const user = await makeUser(db, "editor");
  const manager = await makeManager(db);
  const email = manager.fields.find((f) => f.role === "email")!.id;
  const sync = await makeSync(db, manager.id);
  // The starting point: ann, bob and cy, imported an hour ago.
  const base = await recordRun(
    db,
    sync.id,
    manager.id,
    {
      create: [
        { key: "ann", data: { [email]: "ann@old.test" } },
        { key: "bob", data: { [email]: "bob@old.test" } },
        { key: "cy", data: { [email]: "cy@old.test" } },
      ],
    },
    t(60),
  );
  const before = await contactsByKey(db, manager.id);
  return { user, manager, email, sync, base, before };
}

async function rejection(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error("expected the revert to be refused");
}

describe("revert a run", () => {
  it("restores deleted contacts, previous values of updated ones and removes created ones, in one go", async () => {
    const { user, manager, email, sync, before } = await setup();
    const ann = before.get("ann")!;
    const bob = before.get("bob")!;
    const run = await recordRun(
      db,
      sync.id,
      manager.id,
      {
        create: [{ key: "dee", data: { [email]: "dee@new.test" } }],
        update: [{ id: ann.id, data: { [email]: "ann@new.test" }, passwordMac: "mac-1" }],
        delete: [bob.id],
      },
      t(30),
    );

    const result = await revertRun(db, { runId: run.id, user: { id: user.id, email: user.email } });
    expect(result).toEqual({ restored: 1, reverted: 1, removed: 1 });

    const after = await contactsByKey(db, manager.id);
    expect(after.get("ann")!.data).toEqual({ [email]: "ann@old.test" });
    expect(after.get("ann")!.rowHash).toBe(ann.rowHash);
    expect(after.get("ann")!.passwordMac).toBeNull();
    expect(after.get("ann")!.updatedByRun).toBeNull();
    expect(after.get("bob")!.deletedAt).toBeNull();
    expect(after.get("bob")!.deletedByRun).toBeNull();
    expect(after.get("bob")!.data).toEqual(bob.data);
    expect(after.get("dee")!.deletedAt).not.toBeNull();
    expect(after.get("cy")!.updatedAt).toEqual(before.get("cy")!.updatedAt);

    const [marked] = await db.select().from(runs).where(eq(runs.id, run.id));
    expect(marked.revertedAt).not.toBeNull();
    expect(marked.revertedBy).toBe(user.id);
    const [entry] = await db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "run.revert"), eq(auditLog.targetId, run.id)));
    expect(entry.userId).toBe(user.id);
    expect(entry.details).toMatchObject({ restored: 1, reverted: 1, removed: 1, syncId: sync.id });

    const again = await rejection(revertRun(db, { runId: run.id, user: null }));
    expect(again.code).toBe("already_reverted");
  });

  it("refuses when a later run changed the same contacts, and changes nothing", async () => {
    const { user, manager, email, sync, before } = await setup();
    const ann = before.get("ann")!;
    const first = await recordRun(
      db,
      sync.id,
      manager.id,
      { update: [{ id: ann.id, data: { [email]: "ann@first.test" } }] },
      t(30),
    );
    const other = await makeSync(db, manager.id);
    const later = await recordRun(
      db,
      other.id,
      manager.id,
      { update: [{ id: ann.id, data: { [email]: "ann@later.test" } }] },
      t(10),
    );

    const err = await rejection(revertRun(db, { runId: first.id, user: { id: user.id, email: user.email } }));
    expect(err.code).toBe("revert_conflict");
    expect(err.status).toBe(409);
    expect(err.message).toContain("1 of the contacts");
    expect(err.message).toContain(other.name);
    expect(err.details?.laterRunId).toBe(later.id);
    expect((await contactsByKey(db, manager.id)).get("ann")!.data).toEqual({ [email]: "ann@later.test" });
    const [unmarked] = await db.select().from(runs).where(eq(runs.id, first.id));
    expect(unmarked.revertedAt).toBeNull();

    // Newest first works: revert the later run, then the first one.
    await revertRun(db, { runId: later.id, user: null });
    expect((await contactsByKey(db, manager.id)).get("ann")!.data).toEqual({ [email]: "ann@first.test" });
    await revertRun(db, { runId: first.id, user: null });
    expect((await contactsByKey(db, manager.id)).get("ann")!.data).toEqual({ [email]: "ann@old.test" });
  });

  it("refuses to revert a run whose created contacts a later run deleted", async () => {
    const { manager, email, sync, base } = await setup();
    const later = await recordRun(
      db,
      sync.id,
      manager.id,
      { delete: [(await contactsByKey(db, manager.id)).get("cy")!.id] },
      t(5),
    );
    const err = await rejection(revertRun(db, { runId: base.id, user: null }));
    expect(err.code).toBe("revert_conflict");
    expect(err.details?.laterRunId).toBe(later.id);
    expect((await contactsByKey(db, manager.id)).get("ann")!.data).toEqual({ [email]: "ann@old.test" });
  });

  it("refuses runs that changed nothing or did not complete, and unknown runs", async () => {
    const { manager, sync } = await setup();
    const failed = await makeRun(db, sync.id, { status: "failed" });
    const blocked = await makeRun(db, sync.id, { status: "blocked", updated: 30 });
    const empty = await makeRun(db, sync.id, { status: "succeeded" });
    expect((await rejection(revertRun(db, { runId: failed.id, user: null }))).code).toBe("not_revertible");
    expect((await rejection(revertRun(db, { runId: blocked.id, user: null }))).code).toBe("not_revertible");
    expect((await rejection(revertRun(db, { runId: empty.id, user: null }))).code).toBe("nothing_to_revert");
    expect((await rejection(revertRun(db, { runId: "00000000-0000-4000-8000-000000000000", user: null }))).status).toBe(
      404,
    );
    expect(manager.id).toBeTruthy();
  });

  it("waits for a running import of the same Contact Manager", async () => {
    const { manager, email, sync, before } = await setup();
    const run = await recordRun(
      db,
      sync.id,
      manager.id,
      { update: [{ id: before.get("bob")!.id, data: { [email]: "bob@new.test" } }] },
      t(20),
    );
    const other = await makeSync(db, manager.id);
    await makeRun(db, other.id, { status: "running", finishedAt: null });
    const err = await rejection(revertRun(db, { runId: run.id, user: null }));
    expect(err.code).toBe("run_active");
    expect(err.message).toContain(other.name);
  });
});
