import { and, desc, eq, gt, inArray, ne } from "drizzle-orm";
import type { Db } from "@/db/client";
import { runs, syncs, type Run } from "@/db/schema";
import { audit } from "@/lib/audit";
import { AppError, gone, notFound } from "@/lib/errors";
import { queueRun } from "@/lib/sync/run";
import { executeInBackground, type Actor } from "@/lib/runs/start";

/** Whether a blocked run can be approved now (the run page offers the button only then). */
export type ApprovalCheck = { state: "open" } | { state: "approved"; runId: string } | { state: "stale" };

/**
 * - approved: an approval run of it is queued, running, done, or itself blocked (see that run); a failed one
 *   does not count, so the run can be approved again;
 * - stale: a later run of the same sync has finished since, so this plan is out of date.
 */
export async function checkApproval(db: Db, blocked: Pick<Run, "id" | "syncId" | "queuedAt">): Promise<ApprovalCheck> {
  const [approval] = await db
    .select({ id: runs.id })
    .from(runs)
    .where(
      and(
        eq(runs.approvesRunId, blocked.id),
        inArray(runs.status, ["queued", "running", "succeeded", "completed_with_errors", "blocked"]),
      ),
    )
    .orderBy(desc(runs.queuedAt))
    .limit(1);
  if (approval) return { state: "approved", runId: approval.id };
  const [newer] = await db
    .select({ id: runs.id })
    .from(runs)
    .where(
      and(
        eq(runs.syncId, blocked.syncId),
        ne(runs.id, blocked.id),
        eq(runs.dryRun, false),
        inArray(runs.status, ["succeeded", "completed_with_errors", "blocked"]),
        gt(runs.queuedAt, blocked.queuedAt),
      ),
    )
    .limit(1);
  return newer ? { state: "stale" } : { state: "open" };
}

/**
 * "Approve and run" for a run the safety rule blocked: queues an approval run of the same sync (the engine
 * applies it without the safety check, as long as the file and the planned changes are still those approved:
 * plan.ts approvalBlock) and starts it. One approval per blocked run; only the sync's most
 * recent blocked run can be approved (an older plan is stale).
 */
export async function approveBlockedRun(db: Db, input: { runId: string; user: Actor }): Promise<{ runId: string }> {
  const [blocked] = await db.select().from(runs).where(eq(runs.id, input.runId));
  if (!blocked) throw notFound("run");
  if (blocked.status !== "blocked")
    throw new AppError("not_blocked", "Only a run blocked by the safety rule can be approved.");
  const [sync] = await db.select().from(syncs).where(eq(syncs.id, blocked.syncId));
  if (sync?.state !== "active") throw gone("import");

  const check = await checkApproval(db, blocked);
  if (check.state === "approved")
    throw new AppError("already_approved", "This run has already been approved.", 409, { runId: check.runId });
  if (check.state === "stale") {
    throw new AppError(
      "stale_approval",
      "A later run of this import has finished since, so this plan is out of date. Approve the latest blocked run, or run the import again.",
    );
  }

  const runId = await queueRun({
    syncId: sync.id,
    trigger: "approval",
    requestedBy: input.user.id,
    approvesRunId: blocked.id,
  });
  await audit(db, {
    user: input.user,
    action: "run.approve",
    targetType: "run",
    targetId: blocked.id,
    details: {
      approvalRunId: runId,
      syncId: sync.id,
      syncName: sync.name,
      wouldUpdate: blocked.updated,
      wouldDelete: blocked.deleted,
    },
  });
  executeInBackground(runId);
  return { runId };
}
