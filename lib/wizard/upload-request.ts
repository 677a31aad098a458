import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import busboy from "busboy";
import type { Db } from "@/db/client";
import { AppError } from "@/lib/errors";
import { deleteUpload, storeUpload } from "@/lib/sources/upload";

/**
 * POST /api/uploads, the part that is not HTTP plumbing: stream the request body into the uploads table,
 * enforcing the size limit while bytes arrive (never buffering the file, never through a server action).
 * Two shapes:
 *  - raw body (the wizard's XMLHttpRequest, for progress): the file name in the `X-Filename` header;
 *  - multipart/form-data (the form without JavaScript): fields `returnTo` then `file`.
 */
export type StoredUpload = { id: string; filename: string; size: number };
export type UploadOutcome = { upload: StoredUpload; returnTo: string | null };

const RETURN_TO = /^\/managers\/[0-9a-f-]{36}\/imports\/(new|[0-9a-f-]{36}\/edit(\/source)?)$/i;

/** Only the wizard's own pages: never an open redirect. */
export function safeReturnTo(value: string | null | undefined): string | null {
  return value && RETURN_TO.test(value) ? value : null;
}

export function tooLargeMessage(maxBytes: number): string {
  return `The file is larger than ${formatBytes(maxBytes)}, the most one upload may hold.`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v >= 10 || Number.isInteger(v) ? Math.round(v) : v.toFixed(1)} ${units[u]}`;
}

function cleanFilename(raw: string): string {
  let name = raw;
  try {
    name = decodeURIComponent(raw);
  } catch {
    // keep as sent
  }
  // Browsers may send a path (old IE) — keep the last segment, drop control characters.
  name = name
    .split(/[\\/]/)
    .pop()!
    .replace(/[\u0000-\u001f\u007f]/g, "")
    .trim();
  return name.slice(0, 255) || "upload.csv";
}

export async function receiveUpload(
  db: Db,
  req: Request,
  opts: { maxBytes: number; userId: string },
): Promise<UploadOutcome> {
  const length = Number(req.headers.get("content-length") ?? NaN);
  const contentType = req.headers.get("content-type") ?? "";
  const isMultipart = contentType.toLowerCase().startsWith("multipart/form-data");
  // A declared length over the limit is refused before reading (multipart adds a little framing).
  if (Number.isFinite(length) && length > opts.maxBytes + (isMultipart ? 64 * 1024 : 0)) {
    throw new AppError("upload_too_large", tooLargeMessage(opts.maxBytes));
  }
  if (!req.body) throw new AppError("upload_empty", "No file was sent.");
  const body = Readable.fromWeb(req.body as unknown as WebReadableStream<Uint8Array>);
  if (!isMultipart) {
    const filename = cleanFilename(req.headers.get("x-filename") ?? "");
    const upload = await store(db, body, filename, opts);
    return { upload, returnTo: null };
  }
  return receiveMultipart(db, body, contentType, opts);
}

async function store(
  db: Db,
  stream: Readable,
  filename: string,
  opts: { maxBytes: number; userId: string },
): Promise<StoredUpload> {
  const stored = await storeUpload(db, stream, { filename, maxBytes: opts.maxBytes, createdBy: opts.userId });
  if (stored.size === 0) {
    await deleteUpload(db, stored.id);
    throw new AppError("upload_empty", "The file is empty. Choose a CSV file with at least one line.");
  }
  return { id: stored.id, filename: stored.filename ?? filename, size: stored.size };
}

function receiveMultipart(
  db: Db,
  body: Readable,
  contentType: string,
  opts: { maxBytes: number; userId: string },
): Promise<UploadOutcome> {
  return new Promise<UploadOutcome>((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: { "content-type": contentType },
        // One byte over the limit is enough for storeUpload to notice and refuse.
        limits: { files: 1, fields: 10, fieldSize: 4096, fileSize: opts.maxBytes + 1 },
      });
    } catch {
      reject(new AppError("upload_malformed", "The upload could not be read (malformed form data)."));
      return;
    }
    let returnTo: string | null = null;
    let pending: Promise<StoredUpload> | null = null;
    let settled = false;
    const fail = (e: unknown) => {
      if (settled) return;
      settled = true;
      body.unpipe(parser);
      body.resume(); // drain what the browser still sends, so it reads our response
      reject(e);
    };
    parser.on("field", (name, value) => {
      if (name === "returnTo") returnTo = safeReturnTo(value);
    });
    parser.on("file", (name, file, info) => {
      // Busboy destroys an unfinished part with "Unexpected end of form" when the body ends early. The failure
      // is reported by the parser's own "error" (and by storeUpload for the file it reads), but a part we
      // skip has no other reader: without a listener the error would escape as an uncaught exception.
      file.on("error", () => {});
      if (name !== "file" || pending) {
        file.resume();
        return;
      }
      if (!info.filename) {
        file.resume();
        return;
      }
      pending = store(db, file, cleanFilename(info.filename), opts);
      pending.catch((e) => {
        file.resume();
        fail(e);
      });
    });
    parser.on("error", () =>
      fail(new AppError("upload_malformed", "The upload was interrupted or malformed. Try again.")),
    );
    parser.on("close", () => {
      if (settled) return;
      if (!pending) return fail(new AppError("upload_empty", "Choose a file to upload."));
      pending.then(
        (upload) => {
          if (settled) return;
          settled = true;
          resolve({ upload, returnTo });
        },
        (e) => fail(e),
      );
    });
    body.on("error", () => fail(new AppError("upload_interrupted", "The upload was interrupted. Try again.")));
    body.pipe(parser);
  });
}

/** The returnTo for a failed multipart request, read from the URL (?returnTo=) since the body may be unread. */
export function returnToFromUrl(req: Request): string | null {
  return safeReturnTo(new URL(req.url).searchParams.get("returnTo"));
}

/** The wizard's wording of an upload failure code (from ?uploadError=). */
export function uploadErrorMessage(code: string | undefined, maxBytes: number): string | undefined {
  if (!code) return undefined;
  switch (code) {
    case "upload_too_large":
      return tooLargeMessage(maxBytes);
    case "upload_empty":
      return "The file is empty, or no file was chosen. Choose a CSV file with at least one line.";
    case "upload_interrupted":
    case "upload_malformed":
      return "The upload was interrupted. Try again.";
    default:
      return "The upload failed. Try again.";
  }
}
