import { z } from "zod";
import { getDb } from "@/db/client";
import { withApiAuth } from "@/lib/auth/guard";
import { AppError } from "@/lib/errors";
import { runErrorsCsvStream } from "@/lib/runs/errors-csv";
import { getRunDetail } from "@/lib/runs/queries";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const ids = z.object({ id: z.uuid(), syncId: z.uuid(), runId: z.uuid() });

/** "Download errors as CSV": the run's row errors, streamed from the database (formula cells escaped). */
export const GET = withApiAuth<{ id: string; syncId: string; runId: string }>("viewer", async (_req, { params }) => {
  const parsed = ids.safeParse(await params);
  if (!parsed.success) throw new AppError("not_found", "Run not found.", 404);
  const { id, syncId, runId } = parsed.data;
  const detail = await getRunDetail(getDb(), runId);
  if (!detail || detail.sync.id !== syncId || detail.sync.managerId !== id) throw new AppError("not_found", "Run not found.", 404);
  const day = (detail.run.finishedAt ?? detail.run.queuedAt).toISOString().slice(0, 10);
  const safeName = detail.sync.name.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60) || "import";
  return new Response(runErrorsCsvStream(getDb(), runId), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${safeName}-${day}-errors.csv"`,
      "Cache-Control": "no-store",
    },
  });
});
