import { getDb } from "@/db/client";
import { noStore, syncIdFrom } from "@/app/api/syncs/params";
import { readJson } from "@/lib/api/body";
import { withApiAuth } from "@/lib/auth/guard";
import { runRequestSchema } from "@/lib/runs/run-request-schema";
import { startManualRun } from "@/lib/runs/start";
import { apiSyncStatusPath } from "@/lib/paths";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * POST /api/syncs/:id/run [{"dryRun": true}] — "Go": 202 {"runId"}; 409 while a run is queued or running; 400
 * for an upload sync or an unfinished draft; 404 for an unknown sync. The body is optional.
 */
export const POST = withApiAuth<{ id: string }>("editor", async (req, { params, user }) => {
  const syncId = await syncIdFrom(params);
  const { dryRun } = await readJson(req, runRequestSchema, { optional: true });
  const { runId } = await startManualRun(getDb(), { syncId, user, dryRun });
  return Response.json(
    { runId, dryRun: dryRun === true },
    { status: 202, headers: { ...noStore, Location: apiSyncStatusPath(syncId) } },
  );
});
