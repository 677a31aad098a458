import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { and, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { getSql } from "@/db/client";
import { uploadChunks, uploads, type Fingerprint } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { SourceError } from "@/lib/sources/errors";
import type { OpenOptions, OpenResult, SourceSpec } from "@/lib/sources/types";
import { isUuid } from "@/lib/vocabulary";

const CHUNK_BYTES = 1024 * 1024;

export type StoredUpload = { id: string; filename: string; size: number; sha256: string };

/**
 * Stream an uploaded file into Postgres (uploads + 1 MiB upload_chunks), so any instance can run it later.
 * Never holds more than one chunk in memory. Over `maxBytes`: the partial upload is deleted and a 413
 * AppError is thrown. A failing input stream also deletes the partial upload.
 */
export async function storeUpload(
  db: Db,
  stream: AsyncIterable<Buffer | Uint8Array | string>,
  opts: { filename: string; maxBytes: number; createdBy?: string | null },
): Promise<StoredUpload> {
  const filename = opts.filename.replace(/[\\/]/g, "_").trim().slice(0, 255) || "upload.csv";
  const [row] = await db
    .insert(uploads)
    .values({ filename, createdBy: opts.createdBy ?? null })
    .returning({ id: uploads.id });
  const hash = createHash("sha256");
  let size = 0;
  let seq = 0;
  let parts: Buffer[] = [];
  let partBytes = 0;

  const flush = async () => {
    if (partBytes === 0) return;
    const data = parts.length === 1 ? parts[0] : Buffer.concat(parts, partBytes);
    parts = [];
    partBytes = 0;
    await db.insert(uploadChunks).values({ uploadId: row.id, seq: seq++, data });
  };

  try {
    for await (const piece of stream) {
      let buf = typeof piece === "string" ? Buffer.from(piece) : Buffer.isBuffer(piece) ? piece : Buffer.from(piece);
      size += buf.length;
      if (size > opts.maxBytes)
        throw new AppError("upload_too_large", `The file is larger than the limit of ${formatBytes(opts.maxBytes)}.`);
      hash.update(buf);
      while (buf.length > 0) {
        const take = Math.min(buf.length, CHUNK_BYTES - partBytes);
        parts.push(buf.subarray(0, take));
        partBytes += take;
        buf = buf.subarray(take);
        if (partBytes === CHUNK_BYTES) await flush();
      }
    }
    await flush();
    const sha256 = hash.digest("hex");
    await db.update(uploads).set({ size, sha256, complete: true }).where(eq(uploads.id, row.id));
    return { id: row.id, filename, size, sha256 };
  } catch (e) {
    await db
      .delete(uploads)
      .where(eq(uploads.id, row.id))
      .catch(() => {});
    throw e;
  }
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${Math.round((n / 1024 / 1024) * 10) / 10} MiB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KiB`;
  return `${n} bytes`;
}

/** Read back a stored upload, chunk by chunk in order. Fingerprint: sha256 + size + name. */
export async function openUploadSource(spec: SourceSpec, opts: OpenOptions = {}): Promise<OpenResult> {
  if (!isUuid(spec.uploadId))
    throw new SourceError("not_found", "This import has no uploaded file. Upload the file again.");
  const sql = getSql();
  const [upload] = await sql<{ filename: string; size: string; sha256: string | null; complete: boolean }[]>`
    select filename, size, sha256, complete from uploads where id = ${spec.uploadId}`;
  if (!upload?.complete)
    throw new SourceError("not_found", "The uploaded file is no longer available. Upload it again.");
  const size = Number(upload.size);
  const fingerprint: Fingerprint = { sha256: upload.sha256 ?? undefined, size, name: upload.filename };
  const prev = opts.previous;
  if (prev?.sha256 && prev.sha256 === fingerprint.sha256 && prev.size === size)
    return { unchanged: true, fingerprint, name: upload.filename };

  const uploadId = spec.uploadId;
  async function* chunks(): AsyncGenerator<Buffer> {
    let read = 0;
    for (let seq = 0; read < size; seq++) {
      if (opts.signal?.aborted) throw new SourceError("aborted", "The import was cancelled.");
      const [chunk] = await sql<
        { data: Buffer }[]
      >`select data from upload_chunks where upload_id = ${uploadId} and seq = ${seq}`;
      if (!chunk) break;
      read += chunk.data.length;
      yield chunk.data;
    }
    if (read !== size)
      throw new SourceError(
        "truncated",
        `The uploaded file is incomplete (${read} of ${size} bytes stored). Upload it again.`,
      );
  }
  const stream = Readable.from(chunks(), { objectMode: false });
  return {
    unchanged: false,
    source: { name: upload.filename, size, fingerprint, stream, close: async () => void stream.destroy() },
  };
}

/** Delete an upload and its chunks (e.g. when its draft sync is discarded). */
export async function deleteUpload(db: Db, id: string): Promise<void> {
  await db.delete(uploads).where(and(eq(uploads.id, id)));
}
