import { createHash } from "node:crypto";
import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "@/db/client";
import { contacts, contactVersions, runs, type Contact } from "@/db/schema";
import { makeRun } from "@/tests/integration/runs/fixtures";

const hash = (data: Record<string, string>, mac: string | null) =>
  createHash("sha256")
    .update(JSON.stringify(data) + (mac ?? ""))
    .digest("hex");

/**
 * Writes what a finished run leaves in the database — contact changes plus the contact_versions rows that
 * record the previous state — the way the engine's apply step (lib/sync/apply.ts) does, so revert can be
 * tested on exact, hand-picked states (the engine-driven test covers the real thing).
 */
export async function recordRun(
  db: Db,
  syncId: string,
  managerId: string,
  changes: {
    create?: { key: string; data: Record<string, string> }[];
    update?: { id: number; data: Record<string, string>; passwordMac?: string | null }[];
    delete?: number[];
  },
  at = new Date(),
) {
  const run = await makeRun(db, syncId, {
    status: "succeeded",
    queuedAt: at,
    startedAt: at,
    finishedAt: at,
    created: changes.create?.length ?? 0,
    updated: changes.update?.length ?? 0,
    deleted: changes.delete?.length ?? 0,
  });
  await db.transaction(async (tx) => {
    for (const c of changes.create ?? []) {
      const [row] = await tx
        .insert(contacts)
        .values({
          managerId,
          key: c.key,
          keyNorm: c.key.trim().toLowerCase(),
          data: c.data,
          rowHash: hash(c.data, null),
          createdByRun: run.id,
        })
        .returning();
      // Like the engine: a contact inserted from nothing gets a 'created' version without previous state.
      await tx.insert(contactVersions).values({ runId: run.id, contactId: row.id, change: "created" });
    }
    for (const u of changes.update ?? []) {
      const [prev] = await tx.select().from(contacts).where(eq(contacts.id, u.id));
      await tx.insert(contactVersions).values({
        runId: run.id,
        contactId: u.id,
        change: "updated",
        data: prev.data,
        passwordHash: prev.passwordHash,
        passwordMac: prev.passwordMac,
        rowHash: prev.rowHash,
        deletedAt: prev.deletedAt,
      });
      const mac = u.passwordMac === undefined ? prev.passwordMac : u.passwordMac;
      await tx
        .update(contacts)
        .set({
          data: u.data,
          passwordMac: mac,
          passwordHash: mac ? `hash-of-${mac}` : prev.passwordHash,
          rowHash: hash(u.data, mac),
          updatedByRun: run.id,
          updatedAt: at,
        })
        .where(eq(contacts.id, u.id));
    }
    for (const id of changes.delete ?? []) {
      const [prev] = await tx.select().from(contacts).where(eq(contacts.id, id));
      await tx.insert(contactVersions).values({
        runId: run.id,
        contactId: id,
        change: "deleted",
        data: prev.data,
        passwordHash: prev.passwordHash,
        passwordMac: prev.passwordMac,
        rowHash: prev.rowHash,
        deletedAt: prev.deletedAt,
      });
      await tx.update(contacts).set({ deletedAt: at, deletedByRun: run.id }).where(eq(contacts.id, id));
    }
  });
  const [fresh] = await db.select().from(runs).where(eq(runs.id, run.id));
  return fresh;
}

export async function contactsByKey(db: Db, managerId: string, keys?: string[]): Promise<Map<string, Contact>> {
  const rows = await db
    .select()
    .from(contacts)
    .where(
      keys
        ? and(
            eq(contacts.managerId, managerId),
            inArray(
              contacts.keyNorm,
              keys.map((k) => k.toLowerCase()),
            ),
          )
        : eq(contacts.managerId, managerId),
    );
  return new Map(rows.map((r) => [r.key, r]));
}
