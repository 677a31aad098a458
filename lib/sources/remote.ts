import type { Readable } from "node:stream";
import type { Fingerprint } from "@/db/schema";
import type { ConnectionCheck, ListedFile, OpenOptions, OpenResult, RemoteFile } from "@/lib/sources/types";
import { SourceError } from "@/lib/sources/errors";
import { joinPath, type ParsedLocation } from "@/lib/sources/location";
import { hasMarker, markReady, notReadyMessage, type Readiness, waitUntilSettled } from "@/lib/sources/readiness";
import { matchesWildcard } from "@/lib/sources/wildcard";

/** What FTP and SFTP have in common once connected and logged in. */
export interface RemoteSession {
  /** Plain files of a folder, with size and modification time. */
  list(dir: string): Promise<RemoteFile[]>;
  /** One file; throws not_found. `mtime` may be "" when the server cannot tell. */
  stat(path: string): Promise<RemoteFile>;
  /** The file's bytes, guarded (size, stalls, drops); closing the stream ends the session. */
  read(file: RemoteFile, signal?: AbortSignal): Readable;
  /** After-import actions. `mkdirs` creates a folder and its parents when missing. */
  rename(from: string, to: string): Promise<void>;
  remove(path: string): Promise<void>;
  mkdirs(dir: string): Promise<void>;
  close(): Promise<void>;
  /** What the user should see / pin. */
  seenHostKey?: string;
  seenTlsFingerprint?: string;
  /** "the FTP server 1.2.3.4" — for messages. */
  label: string;
}

/**
 * Folder listing for the link's wildcard (or its single file), oldest first, as a run sees it: ready markers
 * are left out and each file says whether it is ready (its marker exists) and still settling.
 */
export async function listMatching(
  session: RemoteSession,
  loc: ParsedLocation,
  readiness: Readiness = { settleMs: 0, marker: null },
): Promise<ListedFile[]> {
  if (!loc.isPattern) {
    const file = await session.stat(loc.path);
    const ready = await hasMarker(session, file, readiness);
    return markReady([file], new Set(ready && readiness.marker ? [file.name + readiness.marker] : []), readiness);
  }
  const all = await session.list(loc.dir);
  const matches = all.filter((f) => matchesWildcard(f.name, loc.base));
  const undated = matches.find((f) => !f.mtime);
  if (undated)
    throw new SourceError(
      "protocol_error",
      `${session.label} does not report modification times (neither MLSD nor MDTM), so the newest file cannot be chosen.`,
    );
  const sorted = matches.sort((a, b) => a.mtime.localeCompare(b.mtime) || a.name.localeCompare(b.name));
  return markReady(sorted, new Set(all.map((f) => f.name)), readiness);
}

function noMatch(session: RemoteSession, loc: ParsedLocation): SourceError {
  return new SourceError("not_found", `No file in ${loc.dir} on ${session.label} matches "${loc.base}".`);
}

/**
 * The file to open: opts.file (every-new mode, must belong to the link), the newest ready match, or the file
 * itself; null when no file is ready (ready marker missing).
 */
async function chooseFile(
  session: RemoteSession,
  loc: ParsedLocation,
  opts: OpenOptions,
  readiness: Readiness,
): Promise<RemoteFile | null> {
  if (opts.file) {
    const f = opts.file;
    const inFolder = f.path === joinPath(loc.dir, f.name);
    const matches = loc.isPattern ? matchesWildcard(f.name, loc.base) : f.name === loc.base;
    if (!inFolder || !matches)
      throw new SourceError(
        "bad_location",
        `The file ${f.path} does not belong to this sync's link (${loc.dir}/${loc.base}).`,
      );
    const fresh = await session.stat(f.path); // fresh size and time: the file may have changed since it was listed
    return (await hasMarker(session, fresh, readiness)) ? fresh : null;
  }
  const files = await listMatching(session, loc, readiness);
  if (files.length === 0) throw noMatch(session, loc);
  const ready = files.filter((f) => f.ready);
  return ready.length ? ready[ready.length - 1] : null;
}

export function fileFingerprint(f: RemoteFile): Fingerprint {
  return { name: f.name, size: f.size, ...(f.mtime ? { mtime: f.mtime } : {}) };
}

/** Same name, size and modification time as the last import: unchanged, nothing is downloaded. */
function sameVersion(prev: Fingerprint | null | undefined, fp: Fingerprint): boolean {
  return !!prev && !!fp.mtime && prev.name === fp.name && prev.size === fp.size && prev.mtime === fp.mtime;
}

export async function openRemote(
  session: RemoteSession,
  loc: ParsedLocation,
  opts: OpenOptions,
  readiness: Readiness = { settleMs: 0, marker: null },
): Promise<OpenResult> {
  let handedOver = false;
  try {
    const chosen = await chooseFile(session, loc, opts, readiness);
    if (!chosen) {
      const name = opts.file?.name ?? loc.base;
      const notReady =
        loc.isPattern && !opts.file
          ? `No file matching "${loc.base}" in ${loc.dir} is ready yet (none has its ${readiness.marker} marker). Nothing was read.`
          : notReadyMessage(name, readiness);
      return { unchanged: true, fingerprint: { name }, name, notReady };
    }
    if (sameVersion(opts.previous, fileFingerprint(chosen)))
      return { unchanged: true, fingerprint: opts.previous!, name: chosen.name };
    const file = await waitUntilSettled(session, chosen, readiness, opts.signal);
    const fingerprint = fileFingerprint(file);
    if (sameVersion(opts.previous, fingerprint))
      return { unchanged: true, fingerprint: opts.previous!, name: file.name };
    const stream = session.read(file, opts.signal);
    handedOver = true;
    return {
      unchanged: false,
      source: {
        name: file.name,
        size: file.size,
        fingerprint,
        stream,
        seenHostKey: session.seenHostKey,
        seenTlsFingerprint: session.seenTlsFingerprint,
        file,
        close: async () => {
          stream.destroy();
          await session.close();
        },
      },
    };
  } finally {
    if (!handedOver) await session.close();
  }
}

export async function checkRemote(
  session: RemoteSession,
  loc: ParsedLocation,
  readiness: Readiness = { settleMs: 0, marker: null },
): Promise<ConnectionCheck> {
  try {
    const files = await listMatching(session, loc, readiness);
    const base = {
      ok: true,
      hostKeyFingerprint: session.seenHostKey,
      tlsFingerprint: session.seenTlsFingerprint,
      files,
    };
    const notReady = (f: ListedFile) => (f.ready ? "" : ` It is not ready yet (no ${f.name}${readiness.marker}).`);
    const settling = (f: ListedFile) =>
      f.settling
        ? ` It changed less than ${readiness.settleMs / 1000} s ago: a run waits until it stops changing.`
        : "";
    if (!loc.isPattern)
      return {
        ...base,
        message: `Connected to ${session.label}: ${files[0].name} is there (${files[0].size} bytes).${notReady(files[0])}${settling(files[0])}`,
      };
    if (files.length === 0) return { ...base, ok: false, message: noMatch(session, loc).message };
    const ready = files.filter((f) => f.ready);
    const newest = ready[ready.length - 1];
    const readyText = readiness.marker ? `; ${ready.length} ready (with a ${readiness.marker} marker)` : "";
    return {
      ...base,
      message: newest
        ? `Connected to ${session.label}: ${files.length} file(s) match "${loc.base}"${readyText}; the newest${readiness.marker ? " ready one" : ""} is ${newest.name}.${settling(newest)}`
        : `Connected to ${session.label}: ${files.length} file(s) match "${loc.base}", but none is ready yet (no ${readiness.marker} marker).`,
    };
  } catch (e) {
    if (!(e instanceof SourceError)) throw e;
    return {
      ok: false,
      message: e.message,
      hostKeyFingerprint: session.seenHostKey,
      tlsFingerprint: session.seenTlsFingerprint,
    };
  } finally {
    await session.close();
  }
}
