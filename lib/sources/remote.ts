import type { Readable } from "node:stream";
import type { Fingerprint } from "@/db/schema";
import type { ConnectionCheck, OpenOptions, OpenResult, RemoteFile } from "./types";
import { SourceError } from "./errors";
import { joinPath, type ParsedLocation } from "./location";
import { matchesWildcard } from "./wildcard";

/** What FTP and SFTP have in common once connected and logged in. */
export interface RemoteSession {
  /** Plain files of a folder, with size and modification time. */
  list(dir: string): Promise<RemoteFile[]>;
  /** One file; throws not_found. `mtime` may be "" when the server cannot tell. */
  stat(path: string): Promise<RemoteFile>;
  /** The file's bytes, guarded (size, stalls, drops); closing the stream ends the session. */
  read(file: RemoteFile, signal?: AbortSignal): Readable;
  close(): Promise<void>;
  /** What the user should see / pin. */
  seenHostKey?: string;
  seenTlsFingerprint?: string;
  /** "the FTP server 1.2.3.4" — for messages. */
  label: string;
}

/** Folder listing for the link's wildcard (or its single file), oldest first. */
export async function listMatching(session: RemoteSession, loc: ParsedLocation): Promise<RemoteFile[]> {
  if (!loc.isPattern) return [await session.stat(loc.path)];
  const all = await session.list(loc.dir);
  const matches = all.filter((f) => matchesWildcard(f.name, loc.base));
  const undated = matches.find((f) => !f.mtime);
  if (undated)
    throw new SourceError("protocol_error", `${session.label} does not report modification times (neither MLSD nor MDTM), so the newest file cannot be chosen.`);
  return matches.sort((a, b) => a.mtime.localeCompare(b.mtime) || a.name.localeCompare(b.name));
}

function noMatch(session: RemoteSession, loc: ParsedLocation): SourceError {
  return new SourceError("not_found", `No file in ${loc.dir} on ${session.label} matches "${loc.base}".`);
}

/** The file to open: opts.file (every-new mode, must belong to the link), the newest match, or the file itself. */
async function chooseFile(session: RemoteSession, loc: ParsedLocation, opts: OpenOptions): Promise<RemoteFile> {
  if (opts.file) {
    const f = opts.file;
    const inFolder = f.path === joinPath(loc.dir, f.name);
    const matches = loc.isPattern ? matchesWildcard(f.name, loc.base) : f.name === loc.base;
    if (!inFolder || !matches)
      throw new SourceError("bad_location", `The file ${f.path} does not belong to this sync's link (${loc.dir}/${loc.base}).`);
    return session.stat(f.path); // fresh size and time: the file may have changed since it was listed
  }
  if (!loc.isPattern) return session.stat(loc.path);
  const files = await listMatching(session, loc);
  if (files.length === 0) throw noMatch(session, loc);
  return files[files.length - 1];
}

export function fileFingerprint(f: RemoteFile): Fingerprint {
  return { name: f.name, size: f.size, ...(f.mtime ? { mtime: f.mtime } : {}) };
}

/** Same name, size and modification time as the last import: unchanged, nothing is downloaded. */
function sameVersion(prev: Fingerprint | null | undefined, fp: Fingerprint): boolean {
  return !!prev && !!fp.mtime && prev.name === fp.name && prev.size === fp.size && prev.mtime === fp.mtime;
}

export async function openRemote(session: RemoteSession, loc: ParsedLocation, opts: OpenOptions): Promise<OpenResult> {
  let handedOver = false;
  try {
    const file = await chooseFile(session, loc, opts);
    const fingerprint = fileFingerprint(file);
    if (sameVersion(opts.previous, fingerprint)) return { unchanged: true, fingerprint: opts.previous!, name: file.name };
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

export async function checkRemote(session: RemoteSession, loc: ParsedLocation): Promise<ConnectionCheck> {
  try {
    const files = await listMatching(session, loc);
    const base = { ok: true, hostKeyFingerprint: session.seenHostKey, tlsFingerprint: session.seenTlsFingerprint, files };
    if (!loc.isPattern) return { ...base, message: `Connected to ${session.label}: ${files[0].name} is there (${files[0].size} bytes).` };
    if (files.length === 0) return { ...base, ok: false, message: noMatch(session, loc).message };
    return { ...base, message: `Connected to ${session.label}: ${files.length} file(s) match "${loc.base}"; the newest is ${files[files.length - 1].name}.` };
  } catch (e) {
    if (!(e instanceof SourceError)) throw e;
    return { ok: false, message: e.message, hostKeyFingerprint: session.seenHostKey, tlsFingerprint: session.seenTlsFingerprint };
  } finally {
    await session.close();
  }
}
