import { getDb } from "@/db/client";
import { withApiAuth } from "@/lib/auth/guard";
import { startManualRun } from "@/lib/runs/start";
import { noStore, syncIdFrom } from "../../params";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * POST /api/syncs/:id/run — "Go": 202 {"runId"}; 409 while a run is queued or running; 400 for an upload
 * sync or an unfinished draft; 404 for an unknown sync. No body.
 */
export const POST = withApiAuth<{ id: string }>("editor", async (_req, { params, user }) => {
  const syncId = await syncIdFrom(params);
  const { runId } = await startManualRun(getDb(), { syncId, user: { id: user.id, email: user.email } });
  return Response.json({ runId }, { status: 202, headers: { ...noStore, Location: `/api/syncs/${syncId}/status` } });
});
