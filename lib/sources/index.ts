import type { ConnectionCheck, OpenOptions, OpenResult, RemoteFile, SourceSpec } from "./types";
import { isAppError } from "@/lib/errors";
import { SourceError } from "./errors";
import { openFileSource } from "./file";
import { checkHttp, openHttp } from "./http";
import { connectFtp } from "./ftp";
import { parseLocation, type ParsedLocation } from "./location";
import { checkRemote, listMatching, openRemote, type RemoteSession } from "./remote";
import { connectSftp } from "./sftp";
import { openUploadSource } from "./upload";

export type * from "./types";
export { SourceError, isSourceError } from "./errors";
export { kindOfLocation, splitCredentials, parseLocation } from "./location";

/**
 * The one entry point to sources (SPEC §2). Remote kinds: http/https, ftp (plain), ftpes (explicit TLS),
 * ftps (implicit TLS), sftp. Every remote connection goes through the SSRF guard (lib/security/hosts.ts) and
 * verifies TLS certificates / SSH host keys before sending credentials. Failures are SourceErrors.
 */

function connectRemote(spec: SourceSpec, loc: ParsedLocation, signal?: AbortSignal): Promise<RemoteSession> {
  return loc.kind === "sftp" ? connectSftp(spec, loc, signal) : connectFtp(spec, loc, signal);
}

/**
 * Opens one version of the source. FTP/SFTP folder links: opts.file opens that listed file (every-new mode);
 * otherwise the newest match is opened (newest mode, and every-new mode when no file is given).
 * With opts.previous an unchanged source returns {unchanged:true} without reading it (HTTP: 304 or same
 * ETag/Last-Modified; FTP/SFTP: same name, size and mtime). Pass previous only when unchanged sources are skipped.
 */
export async function openSource(spec: SourceSpec, opts: OpenOptions = {}): Promise<OpenResult> {
  if (spec.kind === "file") return openFileSource(spec, opts);
  if (spec.kind === "upload") return openUploadSource(spec, opts);
  const loc = parseLocation(spec.kind, spec.location);
  if (loc.kind === "http" || loc.kind === "https") {
    if (opts.file) throw new SourceError("bad_location", "HTTP(S) links name one file; there is no folder to pick files from.");
    return openHttp(spec, loc, opts);
  }
  return openRemote(await connectRemote(spec, loc, opts.signal), loc, opts);
}

/** Folder form: the files matching the link's wildcard (or the one file it names), oldest first. */
export async function listFiles(spec: SourceSpec): Promise<RemoteFile[]> {
  if (spec.kind === "file" || spec.kind === "upload" || spec.kind === "http" || spec.kind === "https")
    throw new SourceError("bad_location", "Only FTP, FTPS and SFTP links can list a folder.");
  const loc = parseLocation(spec.kind, spec.location);
  const session = await connectRemote(spec, loc);
  try {
    return await listMatching(session, loc);
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
    if (loc.kind === "http" || loc.kind === "https") return await checkHttp(spec, loc);
    return await checkRemote(await connectRemote(spec, loc), loc);
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
