import { and, asc, eq } from "drizzle-orm";
import { after } from "next/server";
import type { Db } from "@/db/client";
import { type Run, type RunError, runErrors, runs, type Sync } from "@/db/schema";
import { logger } from "@/lib/log";
import { executeRun, queueRun } from "@/lib/sync/run";

/**
 * The review before writing: a dry run of the whole file with the definition the wizard shows (a draft, or an
 * active import with its unfinished edit laid over it; the live definition before "Go"). It is queued like any
 * run (one at a time per import) and executed after the response; the review page follows its progress.
 */
export async function startReview(sync: Sync, userId: string, trigger: "wizard" | "manual"): Promise<string> {
  const runId = await queueRun({ syncId: sync.id, trigger, requestedBy: userId, dryRun: true });
  const definition = sync.state === "draft" || sync.pendingEdit ? sync : undefined;
  const execute = async () => {
    try {
      await executeRun(runId, { definition });
    } catch (e) {
      logger.error("review run failed to start", { runId, error: e instanceof Error ? e.message : String(e) });
    }
  };
  try {
    after(execute);
  } catch {
    // Outside a Next request (tests, scripts): in the background of this process.
    void execute();
  }
  return runId;
}

export const REVIEW_ERRORS_SHOWN = 50;

export type Review = {
  run: Run;
  /** The first row errors by line (duplicates are among them, listed apart on the page). */
  errors: Pick<RunError, "line" | "column" | "message">[];
};

/** A review (dry run) of this import, with its first row errors; null when the id is not one. */
export async function loadReview(db: Db, syncId: string, runId: string): Promise<Review | null> {
  if (!/^[0-9a-f-]{36}$/i.test(runId)) return null;
  const [run] = await db
    .select()
    .from(runs)
    .where(and(eq(runs.id, runId), eq(runs.syncId, syncId), eq(runs.dryRun, true)));
  if (!run) return null;
  const errors = await db
    .select({ line: runErrors.line, column: runErrors.column, message: runErrors.message })
    .from(runErrors)
    .where(eq(runErrors.runId, run.id))
    .orderBy(asc(runErrors.line), asc(runErrors.id))
    .limit(REVIEW_ERRORS_SHOWN);
  return { run, errors };
}

/** Whether a row error is a repeated key (the engine says "Duplicate key …"). */
export function isDuplicateError(e: { message: string }): boolean {
  return /^Duplicate key/.test(e.message);
}
