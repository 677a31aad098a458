import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { runErrors, runs, syncs, users, type Run, type NewSync, type Role } from "@/db/schema";
import { createManager } from "@/lib/managers/queries";
import { uniqueName } from "@/tests/support/db";

/** Rows the tests of runs, notifications and the syncs API build on. Everything gets a unique name. */
export async function makeUser(db: Db, role: Role) {
  const email = `${uniqueName(role)}@example.test`;
  // A hash that verifies nothing: these users never sign in with a password.
  const [user] = await db
    .insert(users)
    .values({ email, name: email, role, passwordHash: "scrypt$1$1$1$AA==$AA==" })
    .returning();
  return user;
}

export async function makeManager(db: Db) {
  return createManager(db, { name: uniqueName("manager") });
}

export async function makeSync(db: Db, managerId: string, overrides: Partial<NewSync> = {}) {
  const [sync] = await db
    .insert(syncs)
    .values({
      managerId,
      name: uniqueName("sync"),
      state: "active",
      wizardStep: 5,
      sourceKind: "https",
      location: "https://files.example.test/contacts.csv",
      mapping: { columns: [], keyColumn: "Email", autoKey: false },
      ...overrides,
    })
    .returning();
  return sync;
}

export async function makeRun(db: Db, syncId: string, overrides: Partial<typeof runs.$inferInsert> = {}): Promise<Run> {
  const finished = overrides.status && !["queued", "running"].includes(overrides.status);
  const [run] = await db
    .insert(runs)
    .values({
      syncId,
      trigger: "manual",
      status: "succeeded",
      startedAt: new Date(Date.now() - 5_000),
      finishedAt: finished === false ? null : new Date(),
      ...overrides,
    })
    .returning();
  return run;
}

export async function addRunErrors(
  db: Db,
  runId: string,
  errors: { line?: number; column?: string; message: string }[],
) {
  if (errors.length === 0) return;
  await db
    .insert(runErrors)
    .values(errors.map((e) => ({ runId, line: e.line ?? null, column: e.column ?? null, message: e.message })));
  await db.update(runs).set({ errorCount: errors.length }).where(eq(runs.id, runId));
}
