"use server";

import { redirect } from "next/navigation";
import { getDb } from "@/db/client";
import { authorizedAction } from "@/lib/auth/guard";
import { deactivateSync } from "@/lib/runs/deactivate";
import { startManualRun } from "@/lib/runs/start";
import { deleteImportSchema, goSchema } from "./schemas";

/**
 * The imports list's forms, for browsers without JavaScript (with it, Go goes through POST
 * /api/syncs/:id/run). Editors only; each redirects back to the list it came from (post/redirect/get).
 */

export const goAction = authorizedAction("editor", goSchema, async (input, user) => {
  await startManualRun(getDb(), { syncId: input.syncId, user: { id: user.id, email: user.email } });
  redirect(`${input.returnTo}?notice=run_started`);
});

export const deleteImportAction = authorizedAction("editor", deleteImportSchema, async (input, user) => {
  await deactivateSync(getDb(), { syncId: input.syncId, user: { id: user.id, email: user.email } });
  redirect(`${input.returnTo}?notice=import_deleted`);
});
