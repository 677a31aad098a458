import { getDb } from "@/db/client";
import { noStore, syncIdFrom } from "@/app/api/syncs/params";
import { withApiAuth } from "@/lib/auth/guard";
import { pushUpload } from "@/lib/runs/push-upload";
import { apiRunPath } from "@/lib/paths";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * POST /api/syncs/:id/upload — push a file: the raw request body (any content type but multipart; name it
 * with X-Filename) becomes the upload sync's file and a run starts: 202 {"runId", "uploadId"}.
 */
export const POST = withApiAuth<{ id: string }>("editor", async (req, { params, user }) => {
  const syncId = await syncIdFrom(params);
  const out = await pushUpload(getDb(), req, { syncId, user });
  return Response.json(out, { status: 202, headers: { ...noStore, Location: apiRunPath(out.runId) } });
});
