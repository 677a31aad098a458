import { createHash } from "node:crypto";
import { PassThrough } from "node:stream";
import ssh2, { type FileEntryWithStats, type SFTPWrapper } from "ssh2";
import SftpClient from "ssh2-sftp-client";
import { env } from "@/lib/env";
import { assertAllowedPort, resolveAllowed, tryAddresses } from "@/lib/sources/hosts";
import type { RemoteFile, SourceSpec } from "@/lib/sources/types";
import { SourceError, networkError, redact } from "@/lib/sources/errors";
import { joinPath, type ParsedLocation } from "@/lib/sources/location";
import type { RemoteSession } from "@/lib/sources/remote";
import { guardTransfer, withDeadline } from "@/lib/sources/transfer";

/** OpenSSH style: "SHA256:" + unpadded base64 of the SHA-256 of the key blob. */
export function sshKeyFingerprint(keyBlob: Buffer): string {
  return "SHA256:" + createHash("sha256").update(keyBlob).digest("base64").replace(/=+$/, "");
}

export function normalizeHostKeyFingerprint(fp: string): string {
  const t = fp.trim();
  return "SHA256:" + t.replace(/^sha256:/i, "").replace(/=+$/, "");
}

/** A folder listing is held in memory: past this many entries it is refused (FTP's client caps its listing too). */
export const MAX_FOLDER_ENTRIES = 100_000;

/**
 * The entries of `dir`, batch by batch (ssh2's own readdir(path) collects every entry a server sends, without
 * end): refused past MAX_FOLDER_ENTRIES, and when the server leaves a batch unanswered for the idle timeout.
 */
function readFolder(sftp: SFTPWrapper, dir: string, label: string): Promise<FileEntryWithStats[]> {
  return new Promise((resolve, reject) => {
    sftp.opendir(dir, (err, handle) => {
      if (err) return reject(err);
      const entries: FileEntryWithStats[] = [];
      let timer: NodeJS.Timeout | undefined;
      const finish = (e: Error | null) => {
        clearTimeout(timer);
        sftp.close(handle, () => (e ? reject(e) : resolve(entries)));
      };
      const next = () => {
        timer = setTimeout(
          () =>
            finish(
              new SourceError(
                "timeout",
                `Listing ${dir} on ${label}: the server stopped answering for ${Math.round(env.SOURCE_IDLE_TIMEOUT_MS / 1000)} s.`,
              ),
            ),
          env.SOURCE_IDLE_TIMEOUT_MS,
        );
        sftp.readdir(handle, (e, list) => {
          clearTimeout(timer);
          if (e) return finish((e as Error & { code?: number }).code === ssh2.utils.sftp.STATUS_CODE.EOF ? null : e);
          for (const entry of list) entries.push(entry);
          if (entries.length > MAX_FOLDER_ENTRIES)
            return finish(
              new SourceError(
                "protocol_error",
                `Listing ${dir} on ${label}: the folder has more than ${MAX_FOLDER_ENTRIES.toLocaleString("en")} entries. Point the link at a folder with fewer files.`,
              ),
            );
          next();
        });
      };
      next();
    });
  });
}

function sftpError(e: unknown, what: string, spec: SourceSpec): SourceError {
  if (e instanceof SourceError) return e;
  const err = e as Error & { code?: string | number; level?: string };
  const msg = redact(String(err?.message ?? e), [spec.password, spec.passphrase]);
  if (err?.level === "client-authentication" || /authentication methods failed/i.test(msg))
    return new SourceError(
      "auth_failed",
      `${what}: the server refused the login. Check the login and the password or private key.`,
    );
  if (/passphrase|privateKey|private key|Cannot parse/i.test(msg))
    return new SourceError(
      "auth_failed",
      `${what}: the private key could not be used (${msg.replace(/^.*?: /, "")}). Check the key and its passphrase.`,
    );
  if (err?.code === 2 || err?.code === "ENOENT" || /No such file/i.test(msg))
    return new SourceError("not_found", `${what}: no such file or folder.`);
  if (err?.code === 3 || /Permission denied/i.test(msg))
    return new SourceError("auth_failed", `${what}: permission denied (the login may not do this there).`);
  if (/handshake|Timed out/i.test(msg))
    return new SourceError("timeout", `${what}: the server did not answer in time.`);
  return networkError(e, what, [spec.password, spec.passphrase]);
}

const quiet = { error: () => {}, end: () => {}, close: () => {} };

/**
 * Connects to the checked address. The host key is checked in ssh2's hostVerifier, i.e. during key exchange,
 * before any password or key signature is sent: a pinned key that differs fails with host_key_mismatch; with no
 * pin the key is accepted and reported (seenHostKey) so the engine pins it on the first successful run.
 */
export async function connectSftp(spec: SourceSpec, loc: ParsedLocation, signal?: AbortSignal): Promise<RemoteSession> {
  if (!spec.login) throw new SourceError("auth_failed", "SFTP needs a login.");
  if (!spec.password && !spec.privateKey)
    throw new SourceError("auth_failed", "SFTP needs a password or a private key.");
  assertAllowedPort(loc.kind, loc.port);
  const addresses = await resolveAllowed(loc.host, spec.allowPrivateHosts);
  return tryAddresses(addresses, (address) => connectSftpAt(spec, loc, address, signal));
}

async function connectSftpAt(
  spec: SourceSpec,
  loc: ParsedLocation,
  address: string,
  signal?: AbortSignal,
): Promise<RemoteSession> {
  const label = `the SFTP server ${loc.host}`;
  const pinned = spec.hostKeyFingerprint ? normalizeHostKeyFingerprint(spec.hostKeyFingerprint) : null;
  let seen: string | undefined;
  const client = new SftpClient("contact-sync", quiet);
  const ssh = (client as unknown as { client: import("ssh2").Client }).client;
  ssh.on("error", () => {}); // errors are reported through the promises below

  try {
    await withDeadline(
      client.connect({
        host: address,
        port: loc.port,
        username: spec.login,
        password: spec.password || undefined,
        privateKey: spec.privateKey || undefined,
        passphrase: spec.passphrase || undefined,
        readyTimeout: env.SOURCE_CONNECT_TIMEOUT_MS,
        keepaliveInterval: 10_000,
        keepaliveCountMax: Math.max(1, Math.ceil(env.SOURCE_IDLE_TIMEOUT_MS / 10_000)),
        hostVerifier: (key: Buffer) => {
          seen = sshKeyFingerprint(key);
          return !pinned || pinned === seen;
        },
      }),
      env.SOURCE_CONNECT_TIMEOUT_MS + 1000,
      `Connecting to ${label}`,
      () => ssh.end(),
      signal,
    );
  } catch (e) {
    ssh.end();
    if (pinned && seen && seen !== pinned)
      throw new SourceError(
        "host_key_mismatch",
        `The SSH host key of ${loc.host} is ${seen}, not the pinned ${pinned}. If the server was reinstalled on purpose, pin the new key; otherwise someone may be intercepting the connection. No password was sent.`,
        { fingerprint: seen },
      );
    throw sftpError(e, `Connecting to ${label}`, spec);
  }

  const toFile = (dir: string, name: string, size: number, modifyTimeMs: number): RemoteFile => ({
    name,
    path: joinPath(dir, name),
    size,
    mtime: new Date(modifyTimeMs).toISOString(),
  });

  return {
    label,
    seenHostKey: seen,
    async list(dir) {
      try {
        // Straight from ssh2 so the type comes from the mode bits; the wrapper's list() guesses it from `ls -l` text.
        const sftp = (client as unknown as { sftp: SFTPWrapper }).sftp;
        const entries = await readFolder(sftp, dir, label);
        const isFile = (e: FileEntryWithStats) =>
          e.attrs.mode ? (e.attrs.mode & 0o170000) === 0o100000 : e.longname.startsWith("-");
        return entries.filter(isFile).map((e) => toFile(dir, e.filename, e.attrs.size, e.attrs.mtime * 1000));
      } catch (e) {
        throw sftpError(e, `Listing ${dir} on ${label}`, spec);
      }
    },
    async stat(path) {
      const parts = path.split("/");
      const name = parts.pop()!;
      try {
        const st = await client.stat(path);
        if (!st.isFile) throw new SourceError("not_found", `${path} on ${label} is not a file.`);
        return toFile(parts.join("/") || "/", name, st.size, st.modifyTime);
      } catch (e) {
        const err = sftpError(e, `Reading ${path} on ${label}`, spec);
        if (err.code === "not_found" && !(e instanceof SourceError))
          throw new SourceError("not_found", `There is no file ${path} on ${label}.`);
        throw err;
      }
    },
    read(file, sig) {
      const what = `Downloading ${file.path} from ${label}`;
      const feed = new PassThrough();
      const rs = client.createReadStream(file.path, {}) as unknown as NodeJS.ReadableStream & {
        destroy(e?: Error): void;
      };
      rs.on("error", (e: Error) => feed.destroy(e));
      rs.pipe(feed);
      // A connection that dies mid-transfer must fail the stream, whatever state the SFTP request is in.
      const lost = () =>
        feed.destroy(
          new SourceError(
            "connect_failed",
            `${what}: the connection was lost. Nothing from this partial file is imported.`,
          ),
        );
      ssh.once("close", lost);
      return guardTransfer(feed, {
        expectedSize: file.size,
        idleMs: env.SOURCE_IDLE_TIMEOUT_MS,
        signal: sig,
        what,
        mapError: (e) => sftpError(e, what, spec),
        onClose: () => {
          ssh.off("close", lost);
          rs.destroy();
          client.end().catch(() => {});
        },
      });
    },
    async rename(from, to) {
      try {
        await client.rename(from, to);
      } catch (e) {
        throw sftpError(e, `Moving ${from} to ${to} on ${label}`, spec);
      }
    },
    async remove(path) {
      try {
        await client.delete(path);
      } catch (e) {
        throw sftpError(e, `Deleting ${path} on ${label}`, spec);
      }
    },
    async mkdirs(dir) {
      try {
        if ((await client.exists(dir)) !== "d") await client.mkdir(dir, true);
      } catch (e) {
        throw sftpError(e, `Creating the folder ${dir} on ${label}`, spec);
      }
    },
    async close() {
      await client.end().catch(() => {});
    },
  };
}
