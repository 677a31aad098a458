import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import yauzl from "yauzl";
import { AppError } from "@/lib/errors";
import type { OpenedSource } from "@/lib/sources/types";
import { matchesWildcard } from "@/lib/sources/wildcard";

/**
 * Compressed sources: a gzip file (by its magic bytes, whatever its name) is inflated while it streams; a ZIP
 * archive is read from its one data member (or the member `zipMember` names). The bytes the engine decodes
 * are the decompressed ones, so SOURCE_MAX_BYTES counts those; the fingerprint (`compressed.sha256`) stays
 * the one of the file as stored, so an unchanged archive is recognised like any file.
 *
 * ZIP needs random access (its central directory, the only reliable list of members, sits at the end), so a
 * remote or uploaded archive is first copied to a private temporary file and read with yauzl from there.
 */

export type ArchiveOptions = {
  /** A member name or wildcard (matched against the full name, then the base name); for archives with several. */
  zipMember?: string | null;
  /** Most decompressed bytes read (SOURCE_MAX_BYTES). */
  maxBytes: number;
  /** A local path holding the same bytes as the stream ("file" sources): opened in place, no copy. */
  localPath?: string;
};

const GZIP = [0x1f, 0x8b];
const ZIP_LOCAL = [0x50, 0x4b, 0x03, 0x04];
const ZIP_EMPTY = [0x50, 0x4b, 0x05, 0x06];
const startsWith = (head: Buffer, sig: number[]) => head.length >= sig.length && sig.every((b, i) => head[i] === b);

function sizeText(n: number): string {
  return n >= 1024 ** 3 ? `${+(n / 1024 ** 3).toFixed(2)} GiB` : `${+(n / 1024 ** 2).toFixed(2)} MiB`;
}

function tooLarge(maxBytes: number, what: string): AppError {
  return new AppError(
    "file_too_large",
    `Decompressed, ${what} is larger than ${sizeText(maxBytes)}, the most an import reads (SOURCE_MAX_BYTES); reading stopped there. Nothing was imported. Split the file, or ask an operator to raise the limit.`,
  );
}

/** Pieces handed to the decoder: as big as a local file's read chunks, so an archive costs no extra per-chunk work. */
const CHUNK = 256 * 1024;

/** Counts the bytes passing through and fails past `max`. */
function limit(max: number, fail: () => Error): Transform {
  let seen = 0;
  return new Transform({
    highWaterMark: CHUNK,
    transform(chunk: Buffer, _enc, cb) {
      seen += chunk.length;
      if (seen > max) return cb(fail());
      cb(null, chunk);
    },
  });
}

/** SHA-256 and byte count of the compressed bytes, taken while they pass. */
function hashTap() {
  const hash = createHash("sha256");
  let digest: string | null = null;
  let bytes = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  return { stream, bytes: () => bytes, sha256: () => (digest ??= hash.digest("hex")) };
}

/** The first `n` bytes of a stream (fewer at its end) and a stream of all its bytes, the first ones included. */
async function peek(source: Readable, n: number): Promise<{ head: Buffer; all: Readable }> {
  const iterator = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const first: Buffer[] = [];
  let length = 0;
  let done = false;
  while (length < n) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
    first.push(chunk);
    length += chunk.length;
  }
  const head = Buffer.concat(first);
  async function* rest(): AsyncGenerator<Buffer> {
    if (head.length) yield head;
    if (done) return;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  }
  const all = Readable.from(rest(), { objectMode: false, highWaterMark: 256 * 1024 });
  all.on("close", () => source.destroy());
  return { head, all };
}

/**
 * The source as the engine reads it: plain files pass unchanged; gzip and ZIP are decompressed (with
 * `compressed` telling the archive's own hash and size, and `member` the ZIP member read).
 */
export async function unpackSource(opened: OpenedSource, o: ArchiveOptions): Promise<OpenedSource> {
  const { head, all } = await peek(opened.stream, 4);
  if (startsWith(head, GZIP)) return gunzipSource(opened, all, o);
  if (startsWith(head, ZIP_LOCAL) || startsWith(head, ZIP_EMPTY)) return unzipSource(opened, all, o);
  return { ...opened, stream: all };
}

function gunzipSource(opened: OpenedSource, raw: Readable, o: ArchiveOptions): OpenedSource {
  const tap = hashTap();
  const gunzip = createGunzip({ chunkSize: CHUNK });
  const out = limit(o.maxBytes, () => tooLarge(o.maxBytes, `the gzip file ${opened.name}`));
  const fail = (e: unknown) => {
    if (out.destroyed) return;
    const err = e as NodeJS.ErrnoException;
    out.destroy(
      e instanceof AppError || !String(err?.code ?? "").startsWith("Z_")
        ? (e as Error)
        : new AppError(
            "archive_invalid",
            `The gzip file ${opened.name} is damaged or incomplete (${err.message}). Nothing was imported.`,
          ),
    );
  };
  raw.on("error", fail);
  tap.stream.on("error", fail);
  gunzip.on("error", fail);
  out.on("error", () => {}); // the reader sees it through for-await; without a listener it would crash the process
  raw.pipe(tap.stream).pipe(gunzip).pipe(out);
  out.on("close", () => {
    raw.destroy();
    gunzip.destroy();
  });
  return {
    ...opened,
    stream: out,
    compressed: { format: "gzip", sha256: tap.sha256, bytes: tap.bytes },
    close: async () => {
      out.destroy();
      await opened.close();
    },
  };
}

/** Members that are data: directories and macOS metadata (`__MACOSX/`, `.DS_Store`, `._name`) are not. */
function dataMembers(entries: yauzl.Entry[]): yauzl.Entry[] {
  return entries.filter((e) => {
    if (e.fileName.endsWith("/")) return false;
    const base = e.fileName.split("/").pop() ?? "";
    return !e.fileName.startsWith("__MACOSX/") && base !== ".DS_Store" && !base.startsWith("._");
  });
}

function listed(names: string[]): string {
  const shown = names.slice(0, 20).map((n) => `"${n}"`);
  return shown.join(", ") + (names.length > 20 ? ` and ${names.length - 20} more` : "");
}

/** The member to read: the one named (or matched) by `zipMember`, else the only data member. */
export function chooseMember<T extends { fileName: string }>(
  members: T[],
  zipMember: string | null | undefined,
  archive: string,
): T {
  const names = members.map((m) => m.fileName);
  if (zipMember?.trim()) {
    const want = zipMember.trim();
    const exact = members.filter((m) => m.fileName === want);
    const found = exact.length
      ? exact
      : members.filter(
          (m) => matchesWildcard(m.fileName, want) || matchesWildcard(m.fileName.split("/").pop() ?? "", want),
        );
    if (found.length === 1) return found[0];
    if (found.length === 0)
      throw new AppError(
        "zip_member_missing",
        `The ZIP archive ${archive} has no member matching "${want}". Its members are: ${listed(names)}.`,
      );
    throw new AppError(
      "zip_member_ambiguous",
      `In the ZIP archive ${archive}, "${want}" matches ${found.length} members (${listed(found.map((m) => m.fileName))}); make the zip member match exactly one.`,
    );
  }
  if (members.length === 1) return members[0];
  if (members.length === 0) throw new AppError("archive_invalid", `The ZIP archive ${archive} holds no file.`);
  throw new AppError(
    "zip_member_needed",
    `The ZIP archive ${archive} holds ${members.length} files: ${listed(names)}. Set "zip member" to the one to import (a name or a wildcard).`,
  );
}

function spreadsheetInside(entries: yauzl.Entry[]): boolean {
  return entries.some((e) => e.fileName === "[Content_Types].xml" || e.fileName === "mimetype");
}

function openZip(file: string): Promise<{ zip: yauzl.ZipFile; entries: yauzl.Entry[] }> {
  return new Promise((resolve, reject) => {
    yauzl.open(
      file,
      { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false },
      (err, zip) => {
        if (err) return reject(err);
        const entries: yauzl.Entry[] = [];
        zip.on("entry", (e: yauzl.Entry) => {
          entries.push(e);
          if (entries.length > 100_000) {
            zip.close();
            return reject(new Error("more than 100,000 members"));
          }
          zip.readEntry();
        });
        zip.once("end", () => resolve({ zip, entries }));
        zip.once("error", (e) => {
          zip.close();
          reject(e);
        });
        zip.readEntry();
      },
    );
  });
}

/** Copies the archive to a private temporary file (hashing it on the way); returns its path and a cleanup. */
async function spool(raw: Readable, o: ArchiveOptions, name: string) {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), "contact-sync-zip-"));
  const file = path.join(dir, "archive.zip");
  const tap = hashTap();
  const cleanup = () => fs.promises.rm(dir, { recursive: true, force: true }).catch(() => {});
  try {
    await pipeline(
      raw,
      tap.stream,
      limit(
        o.maxBytes,
        () =>
          new AppError(
            "file_too_large",
            `The ZIP archive ${name} is larger than ${sizeText(o.maxBytes)}, the most an import reads (SOURCE_MAX_BYTES). Nothing was imported.`,
          ),
      ),
      fs.createWriteStream(file, { mode: 0o600 }),
    );
  } catch (e) {
    await cleanup();
    throw e;
  }
  return { file, tap, cleanup };
}

function zipError(e: unknown, name: string): AppError {
  if (e instanceof AppError) return e;
  return new AppError(
    "archive_invalid",
    `The ZIP archive ${name} is damaged or incomplete (${(e as Error)?.message ?? e}). Nothing was imported.`,
  );
}

async function unzipSource(opened: OpenedSource, raw: Readable, o: ArchiveOptions): Promise<OpenedSource> {
  let local = o.localPath;
  let cleanup = async () => {};
  let compressed: NonNullable<OpenedSource["compressed"]>;
  if (local) {
    // The engine still hashes what it reads; for a local archive that is the file itself.
    const tap = hashTap();
    await pipeline(raw, tap.stream, async (src: AsyncIterable<Buffer>) => {
      for await (const _ of src);
    });
    compressed = { format: "zip", sha256: tap.sha256, bytes: tap.bytes };
  } else {
    const spooled = await spool(raw, o, opened.name);
    local = spooled.file;
    cleanup = spooled.cleanup;
    compressed = { format: "zip", sha256: spooled.tap.sha256, bytes: spooled.tap.bytes };
  }
  let zip: yauzl.ZipFile | undefined;
  try {
    const listing = await openZip(local).catch((e) => {
      throw zipError(e, opened.name);
    });
    zip = listing.zip;
    const members = dataMembers(listing.entries);
    if (!o.zipMember && members.length > 1 && spreadsheetInside(listing.entries))
      throw new AppError(
        "not_text",
        `The file ${opened.name} is a spreadsheet (an Excel .xlsx or OpenDocument .ods workbook is a ZIP archive), not a CSV file. Save it as CSV (comma-separated values) and import that file.`,
      );
    const member = chooseMember(members, o.zipMember, opened.name);
    if (member.isEncrypted())
      throw new AppError(
        "archive_encrypted",
        `The ZIP member "${member.fileName}" in ${opened.name} is encrypted (password-protected). Contact Sync cannot read encrypted archives: export the file without a password.`,
      );
    if (member.uncompressedSize > o.maxBytes) throw tooLarge(o.maxBytes, `"${member.fileName}" in ${opened.name}`);
    const current = zip;
    const memberStream = await new Promise<Readable>((resolve, reject) =>
      current.openReadStream(member, (err, s) => (err ? reject(zipError(err, opened.name)) : resolve(s))),
    );
    const out = limit(o.maxBytes, () => tooLarge(o.maxBytes, `"${member.fileName}" in ${opened.name}`));
    out.on("error", () => {});
    memberStream.on("error", (e) => out.destroy(zipError(e, opened.name)));
    memberStream.pipe(out);
    let closed = false;
    const release = async () => {
      if (closed) return;
      closed = true;
      memberStream.destroy();
      current.close();
      await cleanup();
    };
    out.on("close", () => void release());
    return {
      ...opened,
      name: opened.name,
      size: undefined,
      stream: out,
      compressed: { ...compressed, member: member.fileName },
      close: async () => {
        out.destroy();
        await release();
        await opened.close();
      },
    };
  } catch (e) {
    zip?.close();
    await cleanup();
    await opened.close().catch(() => {});
    throw e;
  }
}
