import { getDb } from "@/db/client";
import { idFrom, noStore } from "@/app/api/_lib/ids";
import { withApiAuth } from "@/lib/auth/guard";
import { revertRun } from "@/lib/runs/revert";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** POST /api/runs/:id/revert — undo a run: {"restored", "reverted", "removed"}; 409 when it cannot be reverted. */
export const POST = withApiAuth<{ id: string }>("editor", async (_req, { params, user }) => {
  const result = await revertRun(getDb(), { runId: await idFrom(params, "run"), user });
  return Response.json(result, { headers: noStore });
});
