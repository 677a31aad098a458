import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "@/db/client";
import { runs, syncs } from "@/db/schema";
import { audit } from "@/lib/audit";
import { AppError, notFound } from "@/lib/errors";
import { logger } from "@/lib/log";
import { executeRun, queueRun } from "@/lib/sync/run";
import { isRemote } from "@/lib/vocabulary";

export type Actor = { id: string; email: string; tokenId?: string };

/** Start the engine on a queued run without waiting for it; its outcome lands in the run row. */
export function executeInBackground(runId: string): void {
  void Promise.resolve()
    .then(() => executeRun(runId))
    .catch((e) => logger.error("background run crashed", { runId, err: e }));
}

/**
 * "Go": queue a manual run of a remote sync and start it. 404 for an unknown or deleted sync, 400 for an
 * upload sync or an unfinished draft, 409 while a run of the sync is queued or running.
 */
export async function startManualRun(
  db: Db,
  input: { syncId: string; user: Actor; dryRun?: boolean },
): Promise<{ runId: string }> {
  const [sync] = await db.select().from(syncs).where(eq(syncs.id, input.syncId));
  if (!sync || sync.state === "deleted") throw notFound("import");
  if (sync.state !== "active") throw new AppError("not_ready", "Finish setting up this import before running it.");
  if (!isRemote(sync.sourceKind)) {
    throw new AppError(
      "not_remote",
      sync.sourceKind === "upload"
        ? "This import reads an uploaded file; it cannot be fetched again. Edit the import to upload a new file."
        : "Only imports from a server (HTTP(S), FTP, FTPS, SFTP) can be run with Go.",
    );
  }
  const [active] = await db
    .select({ id: runs.id })
    .from(runs)
    .where(and(eq(runs.syncId, sync.id), inArray(runs.status, ["queued", "running"])));
  if (active) throw new AppError("run_active", "This import is already running.", 409, { runId: active.id });

  const runId = await queueRun({
    syncId: sync.id,
    trigger: "manual",
    requestedBy: input.user.id,
    dryRun: input.dryRun === true,
  });
  await audit(db, {
    user: input.user,
    action: "run.start",
    targetType: "sync",
    targetId: sync.id,
    details: { runId, syncName: sync.name, ...(input.dryRun ? { dryRun: true } : {}) },
  });
  executeInBackground(runId);
  return { runId };
}
