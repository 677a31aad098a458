import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "@/db/client";
import { runs, syncs } from "@/db/schema";
import { audit } from "@/lib/audit";
import { AppError, notFound } from "@/lib/errors";
import type { Actor } from "@/lib/runs/start";

/**
 * "Delete" on the imports list: the sync is deactivated (state "deleted", no next run) and leaves the list;
 * its runs, errors and the contacts it imported stay. Refused while one of its runs is queued or running.
 */
export async function deactivateSync(
  db: Db,
  input: { syncId: string; user: Actor },
): Promise<{ name: string; managerId: string }> {
  return db.transaction(async (tx) => {
    const [sync] = await tx.select().from(syncs).where(eq(syncs.id, input.syncId)).for("update");
    if (!sync || sync.state === "deleted") throw notFound("import");
    const [active] = await tx
      .select({ id: runs.id })
      .from(runs)
      .where(and(eq(runs.syncId, sync.id), inArray(runs.status, ["queued", "running"])));
    if (active) throw new AppError("run_active", `"${sync.name}" is running. Delete it when the run has finished.`);
    await tx
      .update(syncs)
      .set({ state: "deleted", nextRunAt: null, pendingEdit: null, deletedAt: new Date(), updatedAt: new Date() })
      .where(eq(syncs.id, sync.id));
    await audit(tx as unknown as Db, {
      user: input.user,
      action: "sync.delete",
      targetType: "sync",
      targetId: sync.id,
      details: { name: sync.name, managerId: sync.managerId, previousState: sync.state },
    });
    return { name: sync.name, managerId: sync.managerId };
  });
}
