import type {
  AfterImport,
  ConnectionCheck,
  OpenOptions,
  OpenResult,
  RemoteFile,
  SourceSpec,
} from "@/lib/sources/types";
import { env } from "@/lib/env";
import { isAppError } from "@/lib/errors";
import { unpackSource } from "@/lib/sources/archive";
import { SourceError } from "@/lib/sources/errors";
import { localPath, openFileSource } from "@/lib/sources/file";
import { parseLocation, type ParsedLocation } from "@/lib/sources/location";
import { afterImport } from "@/lib/sources/after-import";
import { checkRemote, listMatching, openRemote, type RemoteSession } from "@/lib/sources/remote";
import { readinessOf } from "@/lib/sources/readiness";
import { openUploadSource } from "@/lib/sources/upload";

export type * from "@/lib/sources/types";
export { SourceError, isSourceError } from "@/lib/sources/errors";
export { kindOfLocation, splitCredentials, parseLocation } from "@/lib/sources/location";
export { parseAfterImport, formatAfterImport } from "@/lib/sources/after-import";
export { normalizeMarker } from "@/lib/sources/readiness";

/**
 * The one entry point to sources. Remote kinds: http/https, ftp (plain), ftpes (explicit TLS),
 * ftps (implicit TLS), sftp. Every remote connection goes through the SSRF guard (lib/sources/hosts.ts) and
 * verifies TLS certificates / SSH host keys before sending credentials. Failures are SourceErrors.
 */

// Each protocol's client (ssh2, basic-ftp, the HTTP stack) is loaded when a source of its kind is first used:
// a CLI import of a local file loads none of them.
async function connectRemote(spec: SourceSpec, loc: ParsedLocation, signal?: AbortSignal): Promise<RemoteSession> {
  return loc.kind === "sftp"
    ? (await import("@/lib/sources/sftp")).connectSftp(spec, loc, signal)
    : (await import("@/lib/sources/ftp")).connectFtp(spec, loc, signal);
}

/**
 * Opens one version of the source. FTP/SFTP folder links: opts.file opens that listed file (every-new mode);
 * otherwise the newest match is opened (newest mode, and every-new mode when no file is given).
 * With opts.previous an unchanged source returns {unchanged:true} without reading it (HTTP: 304 or same
 * ETag/Last-Modified; FTP/SFTP: same name, size and mtime). Pass previous only when unchanged sources are skipped.
 */
export async function openSource(spec: SourceSpec, opts: OpenOptions = {}): Promise<OpenResult> {
  const result = await openRaw(spec, opts);
  if (result.unchanged) return result;
  // gzip and ZIP are recognised by their first bytes, whatever the kind: the engine reads the decompressed data.
  const source = await unpackSource(result.source, {
    zipMember: spec.zipMember,
    maxBytes: env.SOURCE_MAX_BYTES,
    localPath: spec.kind === "file" ? localPath(spec.location) : undefined,
  });
  return { unchanged: false, source };
}

async function openRaw(spec: SourceSpec, opts: OpenOptions): Promise<OpenResult> {
  if (spec.kind === "file") return openFileSource(spec, opts);
  if (spec.kind === "upload") return openUploadSource(spec, opts);
  const loc = parseLocation(spec.kind, spec.location);
  if (loc.kind === "http" || loc.kind === "https") {
    if (opts.file)
      throw new SourceError("bad_location", "HTTP(S) links name one file; there is no folder to pick files from.");
    return (await import("@/lib/sources/http")).openHttp(spec, loc, opts);
  }
  return connectRemote(spec, loc, opts.signal).then((session) => openRemote(session, loc, opts, readinessOf(spec)));
}

/**
 * Folder form: the files matching the link's wildcard (or the one file it names) that a run would take,
 * oldest first: ready markers are never data, and with a marker only files that have theirs count.
 */
export async function listFiles(spec: SourceSpec): Promise<RemoteFile[]> {
  if (spec.kind === "file" || spec.kind === "upload" || spec.kind === "http" || spec.kind === "https")
    throw new SourceError("bad_location", "Only FTP, FTPS and SFTP links can list a folder.");
  const loc = parseLocation(spec.kind, spec.location);
  const session = await connectRemote(spec, loc);
  try {
    const files = await listMatching(session, loc, readinessOf(spec));
    return files.filter((f) => f.ready).map(({ ready: _r, settling: _s, ...f }) => f);
  } finally {
    await session.close();
  }
}

/**
 * The after-import action on the file a run imported (FTP/FTPS/SFTP): move it into a folder (relative to
 * the file's own folder unless it starts with "/", created when missing; a name already taken there keeps
 * the old file and gives the new one a time suffix) or delete it. Its ready marker goes with it. Throws a
 * SourceError when the server refuses; the caller records that as the run's warning.
 */
export async function applyAfterImport(spec: SourceSpec, file: RemoteFile, action: AfterImport): Promise<string> {
  if (action.action === "leave") return "";
  if (spec.kind === "file" || spec.kind === "upload" || spec.kind === "http" || spec.kind === "https") return "";
  const loc = parseLocation(spec.kind, spec.location);
  const session = await connectRemote(spec, loc);
  try {
    return await afterImport(session, file, action, readinessOf(spec).marker);
  } finally {
    await session.close();
  }
}

/** Connects, logs in and looks at the file(s) without importing. Expected failures come back as ok:false. */
export async function testConnection(spec: SourceSpec): Promise<ConnectionCheck> {
  try {
    if (spec.kind === "upload") return { ok: true, message: "Uploaded files need no connection." };
    if (spec.kind === "file") {
      const opened = await openFileSource(spec, {});
      if (!opened.unchanged) await opened.source.close();
      return { ok: true, message: "The file can be read." };
    }
    const loc = parseLocation(spec.kind, spec.location);
    if (loc.kind === "http" || loc.kind === "https")
      return await (await import("@/lib/sources/http")).checkHttp(spec, loc);
    return await checkRemote(await connectRemote(spec, loc), loc, readinessOf(spec));
  } catch (e) {
    if (!isAppError(e)) throw e;
    const fp = e.details?.fingerprint as string | undefined;
    return {
      ok: false,
      message: e.message,
      ...(fp && e.code.startsWith("tls") ? { tlsFingerprint: fp } : {}),
      ...(fp && e.code === "host_key_mismatch" ? { hostKeyFingerprint: fp } : {}),
    };
  }
}
