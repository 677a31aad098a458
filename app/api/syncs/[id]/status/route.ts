import { getDb } from "@/db/client";
import { withApiAuth } from "@/lib/auth/guard";
import { notFound } from "@/lib/errors";
import { getSyncStatus } from "@/lib/runs/queries";
import { noStore, syncIdFrom } from "@/app/api/syncs/params";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** GET /api/syncs/:id/status — the current (or latest) run with progress: rows, bytes, percent, estimate. */
export const GET = withApiAuth<{ id: string }>("viewer", async (_req, { params }) => {
  const status = await getSyncStatus(getDb(), await syncIdFrom(params));
  if (!status) throw notFound("import");
  return Response.json(status, { headers: noStore });
});
