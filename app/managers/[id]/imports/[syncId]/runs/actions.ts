"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import { getDb } from "@/db/client";
import { authorizedAction } from "@/lib/auth/guard";
import { AppError } from "@/lib/errors";
import { approveBlockedRun } from "@/lib/runs/approve";
import { getRunDetail } from "@/lib/runs/queries";
import { revertRun } from "@/lib/runs/revert";

const runForm = z.object({ runId: z.uuid({ error: "Unknown run." }) });
const revertForm = runForm.extend({
  confirm: z.literal("yes", { error: "Tick the box to confirm that you want to revert this run." }),
});

async function runPage(runId: string): Promise<string> {
  const detail = await getRunDetail(getDb(), runId);
  if (!detail) throw new AppError("not_found", "Run not found.", 404);
  return `/managers/${detail.sync.managerId}/imports/${detail.sync.id}/runs`;
}

/** "Approve and run" a run the safety rule blocked (editors; audit-logged in approveBlockedRun). */
export const approveRunAction = authorizedAction("editor", runForm, async (input, user) => {
  const base = await runPage(input.runId);
  const { runId } = await approveBlockedRun(getDb(), { runId: input.runId, user: { id: user.id, email: user.email } });
  redirect(`${base}/${runId}?notice=run_approved`);
});

/** "Revert this run" (editors; audit-logged in revertRun). */
export const revertRunAction = authorizedAction("editor", revertForm, async (input, user) => {
  const base = await runPage(input.runId);
  await revertRun(getDb(), { runId: input.runId, user: { id: user.id, email: user.email } });
  redirect(`${base}/${input.runId}?notice=run_reverted`);
});
