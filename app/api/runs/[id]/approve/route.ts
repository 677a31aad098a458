import { getDb } from "@/db/client";
import { idFrom, noStore } from "@/app/api/_lib/ids";
import { withApiAuth } from "@/lib/auth/guard";
import { approveBlockedRun } from "@/lib/runs/approve";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** POST /api/runs/:id/approve — "Approve and run" a blocked run: 202 {"runId"} of the approval run. */
export const POST = withApiAuth<{ id: string }>("editor", async (_req, { params, user }) => {
  const { runId } = await approveBlockedRun(getDb(), { runId: await idFrom(params, "run"), user });
  return Response.json({ runId }, { status: 202, headers: noStore });
});
