import { setTimeout as sleep } from "node:timers/promises";
import { SourceError } from "@/lib/sources/errors";
import type { RemoteSession } from "@/lib/sources/remote";
import type { ListedFile, RemoteFile, SourceSpec } from "@/lib/sources/types";

/**
 * Files still being written (FTP, FTPS, SFTP): the settle time and the ready marker.
 * - A file modified less than `settle` seconds ago is read only once its size and modification time stayed
 *   the same for `settle` seconds (judged on our clock, by polling; the server's clock only says "recent");
 *   after 10 × settle of changes the run fails "still being written".
 * - With a ready marker (suffix ".done"), `name.csv` counts only when `name.csv.done` exists beside it;
 *   files ending in the suffix are markers and never data.
 */

export type Readiness = { settleMs: number; marker: string | null };

/** ".done" from "done" or ".done"; other suffixes ("_ok") as given; empty: no marker. */
export function normalizeMarker(suffix: string | null | undefined): string | null {
  const s = suffix?.trim();
  if (!s) return null;
  if (/[/\\]/.test(s)) throw new SourceError("bad_location", `The ready marker "${s}" must be a suffix, not a path.`);
  return /^[A-Za-z0-9]/.test(s) ? `.${s}` : s;
}

export function readinessOf(spec: Pick<SourceSpec, "settleSeconds" | "readyMarker">): Readiness {
  return { settleMs: Math.max(0, (spec.settleSeconds ?? 0) * 1000), marker: normalizeMarker(spec.readyMarker) };
}

export const isMarker = (name: string, r: Readiness) => !!r.marker && name.endsWith(r.marker) && name !== r.marker;

/**
 * Modified less than the settle time ago (or with no time known): a run waits for it to settle. Servers give
 * times truncated to the second (SFTP, MLSD) or to the minute (LIST), so a file written 0.9 s before a
 * truncated time can look older than it is: the truncation is added to the settle time.
 */
export function isRecent(file: RemoteFile, r: Readiness, now = Date.now()): boolean {
  if (r.settleMs === 0) return false;
  const t = Date.parse(file.mtime);
  if (!file.mtime || Number.isNaN(t)) return true;
  const truncation = t % 60_000 === 0 ? 60_000 : t % 1000 === 0 ? 1000 : 0;
  return now - t < r.settleMs + truncation;
}

/** A folder's matching files as a run sees them: markers left out, each marked ready or not. */
export function markReady(files: RemoteFile[], allNames: Set<string>, r: Readiness): ListedFile[] {
  const now = Date.now();
  return files
    .filter((f) => !isMarker(f.name, r))
    .map((f) => ({ ...f, ready: !r.marker || allNames.has(f.name + r.marker), settling: isRecent(f, r, now) }));
}

/**
 * Is there a file at `path`? Looked up in its folder's listing: markers are usually empty files, and some FTP
 * servers answer SIZE for an empty file with text that is not a number.
 */
export async function fileExists(session: RemoteSession, path: string): Promise<boolean> {
  const slash = path.lastIndexOf("/");
  const dir = slash <= 0 ? "/" : path.slice(0, slash);
  const name = path.slice(slash + 1);
  try {
    return (await session.list(dir)).some((f) => f.name === name);
  } catch (e) {
    if (e instanceof SourceError && e.code === "not_found") return false;
    throw e;
  }
}

/** Does the marker of one file exist (always true without a marker)? */
export async function hasMarker(session: RemoteSession, file: RemoteFile, r: Readiness): Promise<boolean> {
  return !r.marker || fileExists(session, file.path + r.marker);
}

export function notReadyMessage(name: string, r: Readiness): string {
  return `${name} is not ready yet: there is no ${name}${r.marker} beside it. Nothing was read.`;
}

/**
 * Waits until `file` has stopped changing for the settle time, and returns its latest listing (the size the
 * download then checks). Throws "still being written" after 10 × settle of change.
 */
export async function waitUntilSettled(
  session: RemoteSession,
  file: RemoteFile,
  r: Readiness,
  signal?: AbortSignal,
): Promise<RemoteFile> {
  if (!isRecent(file, r)) return file;
  const started = Date.now();
  const poll = Math.min(5000, Math.max(200, Math.floor(r.settleMs / 5)));
  let last = file;
  let stableSince = started;
  for (;;) {
    if (Date.now() - stableSince >= r.settleMs) return last;
    if (Date.now() - started >= 10 * r.settleMs)
      throw new SourceError(
        "protocol_error",
        `${file.path} on ${session.label} is still being written: it kept changing for ${Math.round((10 * r.settleMs) / 1000)} s (ten times the settle time of ${r.settleMs / 1000} s). Nothing was imported; the next run tries again.`,
      );
    try {
      await sleep(poll, undefined, { signal });
    } catch {
      throw new SourceError("aborted", `Waiting for ${file.path} to settle: cancelled.`);
    }
    const now = await session.stat(file.path);
    if (now.size !== last.size || now.mtime !== last.mtime) {
      last = now;
      stableSince = Date.now();
    }
  }
}
