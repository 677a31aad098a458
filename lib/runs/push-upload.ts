import { and, eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { syncs } from "@/db/schema";
import { audit } from "@/lib/audit";
import { env } from "@/lib/env";
import { AppError, notFound } from "@/lib/errors";
import { executeInBackground, type Actor } from "@/lib/runs/start";
import { queueRun } from "@/lib/sync/run";
import { receiveUpload } from "@/lib/wizard/upload-request";

const idle = sql`not exists (select 1 from runs where runs.sync_id = ${syncs.id} and runs.status in ('queued', 'running'))`;

/**
 * Push: the request body (streamed, with the wizard upload's size limit) becomes the upload sync's file, and a
 * run of it starts. 404 unknown sync, 400 not an active upload sync, 409 while a run of it is active (the
 * file is then not swapped), 413 over the limit.
 */
export async function pushUpload(
  db: Db,
  req: Request,
  input: { syncId: string; user: Actor },
): Promise<{ runId: string; uploadId: string }> {
  const [sync] = await db.select().from(syncs).where(eq(syncs.id, input.syncId));
  if (!sync || sync.state === "deleted") throw notFound("import");
  if (sync.state !== "active")
    throw new AppError("not_ready", "Finish setting up this import before pushing files to it.");
  if (sync.sourceKind !== "upload")
    throw new AppError("not_upload", "Only imports of uploaded files take a pushed file; this one fetches its own.");
  const { upload } = await receiveUpload(db, req, { maxBytes: env.UPLOAD_MAX_BYTES, userId: input.user.id });
  const [swapped] = await db
    .update(syncs)
    .set({ uploadId: upload.id, updatedAt: new Date() })
    .where(and(eq(syncs.id, sync.id), eq(syncs.state, "active"), idle))
    .returning({ id: syncs.id });
  if (!swapped) throw new AppError("run_active", "This import is running. Push the file again once the run is over.");
  const runId = await queueRun({ syncId: sync.id, trigger: "upload", requestedBy: input.user.id });
  await audit(db, {
    user: input.user,
    action: "run.push",
    targetType: "sync",
    targetId: sync.id,
    details: { runId, uploadId: upload.id, filename: upload.filename, size: upload.size },
  });
  executeInBackground(runId);
  return { runId, uploadId: upload.id };
}
