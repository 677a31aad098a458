import { z } from "zod";
import { type Db, getDb } from "@/db/client";
import { notFound } from "@/lib/errors";
import { getRunDetail } from "@/lib/runs/queries";

const ids = z.object({ id: z.uuid(), syncId: z.uuid(), runId: z.uuid() });

/**
 * A CSV download of one run (its row errors, its planned deletions or updates), for the route's
 * `{id, syncId, runId}` params (the route checks the session first). The file is named
 * "<import>-<day>-<suffix>.csv", after the import and the day the run ended (or was queued).
 */
export async function runCsvResponse(
  params: unknown,
  fileSuffix: string,
  csv: (db: Db, runId: string) => ReadableStream<Uint8Array>,
): Promise<Response> {
  const parsed = ids.safeParse(params);
  if (!parsed.success) throw notFound("run");
  const { id, syncId, runId } = parsed.data;
  const detail = await getRunDetail(getDb(), runId);
  if (!detail || detail.sync.id !== syncId || detail.sync.managerId !== id) throw notFound("run");
  const day = (detail.run.finishedAt ?? detail.run.queuedAt).toISOString().slice(0, 10);
  const safeName =
    detail.sync.name
      .replace(/[^A-Za-z0-9._-]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 60) || "import";
  return new Response(csv(getDb(), runId), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${safeName}-${day}-${fileSuffix}.csv"`,
      "Cache-Control": "no-store",
    },
  });
}
