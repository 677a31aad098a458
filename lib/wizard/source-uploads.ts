import { and, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { type Sync, uploads } from "@/db/schema";
import { isUuid } from "@/lib/vocabulary";

export type UploadShown = { id: string; filename: string; size: number };

/**
 * The files step 1 shows: the one just uploaded (`?upload=ID` after a no-JS upload; only the user's own,
 * complete upload), else the one the sync already uses.
 */
export async function sourceStepUploads(
  db: Db,
  input: { userId: string; sync: Sync | null; uploadParam: string | undefined },
): Promise<{ justUploaded: UploadShown | null; stored: Omit<UploadShown, "id"> | null }> {
  const { userId, sync, uploadParam } = input;
  let justUploaded: UploadShown | null = null;
  if (isUuid(uploadParam)) {
    const [row] = await db
      .select()
      .from(uploads)
      .where(and(eq(uploads.id, uploadParam), eq(uploads.createdBy, userId), eq(uploads.complete, true)));
    if (row) justUploaded = { id: row.id, filename: row.filename, size: row.size };
  }
  let stored: Omit<UploadShown, "id"> | null = null;
  if (!justUploaded && sync?.sourceKind === "upload" && sync.uploadId) {
    const [row] = await db.select().from(uploads).where(eq(uploads.id, sync.uploadId));
    if (row) stored = { filename: row.filename, size: row.size };
  }
  return { justUploaded, stored };
}
