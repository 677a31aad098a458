"use server";

import { redirect } from "next/navigation";
import { getDb } from "@/db/client";
import { authorizedAction } from "@/lib/auth/guard";
import { deactivateSync } from "@/lib/runs/deactivate";
import { startManualRun } from "@/lib/runs/start";
import { deleteDraftsSchema, deleteImportSchema, goSchema } from "@/app/imports/schemas";
import { audit } from "@/lib/audit";
import { deleteDrafts } from "@/lib/wizard/stale-drafts";
import { withQuery } from "@/lib/paths";

/**
 * The imports list's forms, for browsers without JavaScript (with it, Go goes through POST
 * /api/syncs/:id/run). Editors only; each redirects back to the list it came from (post/redirect/get).
 */

export const goAction = authorizedAction("editor", goSchema, async (input, user) => {
  await startManualRun(getDb(), { syncId: input.syncId, user: { id: user.id, email: user.email } });
  redirect(withQuery(input.returnTo, { notice: "run_started" }));
});

export const deleteImportAction = authorizedAction("editor", deleteImportSchema, async (input, user) => {
  await deactivateSync(getDb(), { syncId: input.syncId, user: { id: user.id, email: user.email } });
  redirect(withQuery(input.returnTo, { notice: "import_deleted" }));
});

/** "Delete all" on the "Unfinished" line: the drafts listed there are removed (they never ran). */
export const deleteDraftsAction = authorizedAction("editor", deleteDraftsSchema, async (input, user) => {
  const db = getDb();
  const removed = await deleteDrafts(db, input.syncIds);
  for (const d of removed)
    await audit(db, {
      user,
      action: "sync.delete",
      targetType: "sync",
      targetId: d.id,
      details: { name: d.name, managerId: d.managerId, previousState: "draft" },
    });
  redirect(withQuery(input.returnTo, { notice: "drafts_deleted" }));
});
