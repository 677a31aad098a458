"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { getDb } from "@/db/client";
import { audit } from "@/lib/audit";
import { authorizedAction } from "@/lib/auth/guard";
import { AppError } from "@/lib/errors";
import { startManualRun } from "@/lib/runs/start";
import { activateAudited } from "@/lib/wizard/activate";
import { getWizardSync } from "@/lib/wizard/draft-store";
import { startReview } from "@/lib/wizard/review";
import { startRun } from "@/lib/wizard/run-now";
import { nextRunFor } from "@/lib/wizard/schedule";
import { importsPath, reviewPath, runPath } from "@/lib/paths";

const reviewIds = z.object({
  managerId: z.uuid({ error: "Unknown Contact Manager." }),
  syncId: z.uuid({ error: "Unknown import." }),
  /** "wizard": the end of the wizard (the import goes live, then runs); "go": Go on a live import. */
  from: z.enum(["wizard", "go"]).catch("wizard"),
  /** "schedule": the wizard's review of a scheduled setup, whose button schedules the import instead of running it. */
  finish: z.enum(["run", "schedule"]).catch("run"),
});

async function load(managerId: string, syncId: string) {
  const db = getDb();
  const sync = await getWizardSync(db, managerId, syncId);
  if (!sync) throw new AppError("not_found", "This import no longer exists.", 404);
  return { db, sync };
}

/** "Go" on an import that deletes missing contacts: a review (dry run of the live definition) first. */
export const startGoReviewAction = authorizedAction("editor", reviewIds, async ({ managerId, syncId }, user) => {
  const { db, sync } = await load(managerId, syncId);
  if (sync.state !== "active") throw new AppError("not_ready", "Finish setting up this import before running it.", 400);
  const live = sync.pendingEdit ? { ...sync, pendingEdit: null } : sync;
  const runId = await startReview(live, user.id, "manual");
  await audit(db, { user, action: "run.review", targetType: "sync", targetId: sync.id, details: { runId } });
  redirect(reviewPath(managerId, syncId, { run: runId, from: "go" }));
});

/** The review's "Run Import": the reviewed definition goes live (from the wizard) and runs, or "Go" runs. */
export const runAfterReviewAction = authorizedAction(
  "editor",
  reviewIds,
  async ({ managerId, syncId, from, finish }, user) => {
    const { db, sync } = await load(managerId, syncId);
    if (from === "go") {
      const { runId } = await startManualRun(db, { syncId, user: { id: user.id, email: user.email } });
      redirect(runPath(managerId, syncId, runId));
    }
    if (finish === "schedule") {
      // The schedule the review was started with (saved by the schedule step's "Review import").
      if (!sync.schedule)
        throw new AppError("schedule_missing", "Choose when the import runs on the schedule step first.");
      const nextRunAt = nextRunFor(sync.schedule, new Date());
      if (!nextRunAt)
        throw new AppError("schedule_ended", "This schedule has no run after now. Change it on the schedule step.");
      await activateAudited(db, sync, { schedule: sync.schedule, nextRunAt }, user, { reviewed: true });
      redirect(importsPath(managerId, { notice: "import_scheduled" }));
    }
    const active = await activateAudited(db, sync, { schedule: null, nextRunAt: null }, user, { reviewed: true });
    const runId = await startRun(active.id, user.id, active.sourceKind === "upload" ? "upload" : "wizard");
    redirect(runPath(managerId, syncId, runId));
  },
);
