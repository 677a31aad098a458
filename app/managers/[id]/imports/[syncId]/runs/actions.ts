"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { getDb } from "@/db/client";
import { authorizedAction } from "@/lib/auth/guard";
import { notFound } from "@/lib/errors";
import { approveBlockedRun } from "@/lib/runs/approve";
import { getRunDetail } from "@/lib/runs/queries";
import { revertRun } from "@/lib/runs/revert";
import { runPath } from "@/lib/paths";

const runForm = z.object({ runId: z.uuid({ error: "Unknown run." }) });
const revertForm = runForm.extend({
  confirm: z.literal("yes", { error: "Tick the box to confirm that you want to revert this run." }),
});

/** The import a run belongs to, to go back to its run pages. */
async function importOf(runId: string): Promise<{ managerId: string; id: string }> {
  const detail = await getRunDetail(getDb(), runId);
  if (!detail) throw notFound("run");
  return detail.sync;
}

/** "Approve and run" a run the safety rule blocked (editors; audit-logged in approveBlockedRun). */
export const approveRunAction = authorizedAction("editor", runForm, async (input, user) => {
  const sync = await importOf(input.runId);
  const { runId } = await approveBlockedRun(getDb(), { runId: input.runId, user: { id: user.id, email: user.email } });
  redirect(runPath(sync.managerId, sync.id, runId, { notice: "run_approved" }));
});

/** "Revert this run" (editors; audit-logged in revertRun). */
export const revertRunAction = authorizedAction("editor", revertForm, async (input, user) => {
  const sync = await importOf(input.runId);
  await revertRun(getDb(), { runId: input.runId, user: { id: user.id, email: user.email } });
  redirect(runPath(sync.managerId, sync.id, input.runId, { notice: "run_reverted" }));
});
