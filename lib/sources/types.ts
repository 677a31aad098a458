import type { Readable } from "node:stream";
import type { Fingerprint, SourceKind } from "@/db/schema";

/** Everything needed to reach a source. Secrets are already decrypted here; never log this object. */
export type SourceSpec = {
  kind: SourceKind;
  /** URL for remote kinds (may end in a wildcard segment), a local path for "file"; unused for uploads. */
  location?: string;
  uploadId?: string;
  login?: string;
  password?: string;
  privateKey?: string;
  passphrase?: string;
  folderMode: "newest" | "every_new";
  /** Pinned TLS certificate SHA-256 ("AB:CD:..."): accepted instead of CA verification. */
  tlsFingerprint?: string | null;
  /** Pinned SFTP host key SHA-256; a different key fails. Null: trust on first use, report it. */
  hostKeyFingerprint?: string | null;
  allowPrivateHosts: boolean;
  /** ZIP archives with several members: the member to read (a name or a wildcard matching one). */
  zipMember?: string | null;
  /**
   * FTP/FTPS/SFTP: a file modified less than this many seconds ago is read only once its size and time stayed
   * the same that long (0 or unset: read at once). Syncs and the CLI default to 30.
   */
  settleSeconds?: number;
  /** FTP/FTPS/SFTP: a file is taken only when `name + suffix` exists beside it (".done", ".ok", ...). */
  readyMarker?: string | null;
};

/** What happens to an imported FTP/FTPS/SFTP file after a run applied it. */
export type AfterImport = { action: "leave" } | { action: "delete" } | { action: "move"; folder: string };

/** One file as listed on a server (folder mode). */
export type RemoteFile = { name: string; path: string; size: number; mtime: string };

/** A listed file as the folder preview shows it: whether a run would take it now. */
export type ListedFile = RemoteFile & {
  /** False when the ready marker is missing; markers themselves are never listed. */
  ready: boolean;
  /** Modified less than the settle time ago: a run waits until it stops changing. */
  settling: boolean;
};

export type OpenOptions = {
  /** The fingerprint of the last applied version: lets HTTP send a conditional GET and FTP/SFTP compare size+mtime. */
  previous?: Fingerprint | null;
  /** A specific file (every_new mode); otherwise the location, or the newest match of its wildcard. */
  file?: RemoteFile;
  signal?: AbortSignal;
};

export type OpenedSource = {
  /** File name shown to staff. */
  name: string;
  /** Bytes expected, when the server says. */
  size?: number;
  /** What the server told before reading (etag, lastModified, size, mtime, name); sha256 is added by the engine. */
  fingerprint: Fingerprint;
  /** The raw bytes. Errors (drop, stall, truncation) surface as stream errors of type SourceError. */
  stream: Readable;
  /** The SFTP host key / TLS certificate fingerprint seen, to pin on first success. */
  seenHostKey?: string;
  seenTlsFingerprint?: string;
  /** The remote file read (FTP/FTPS/SFTP), for the after-import action. */
  file?: RemoteFile;
  /** Set when the bytes were decompressed: the archive's own hash and size (the fingerprint is the archive's). */
  compressed?: { format: "gzip" | "zip"; member?: string; sha256(): string; bytes(): number };
  close(): Promise<void>;
};

export type OpenResult =
  | {
      unchanged: true;
      fingerprint: Fingerprint;
      name: string;
      /** Why nothing was read when it is not "unchanged": no file is ready yet (ready marker missing). */
      notReady?: string;
      /** Read only to hash it: same content under a new modification time; no row was parsed. */
      hashed?: boolean;
    }
  | { unchanged: false; source: OpenedSource };

export type ConnectionCheck = {
  ok: boolean;
  message: string;
  /** SHA-256 fingerprints to show the user for trust/pinning. */
  hostKeyFingerprint?: string;
  tlsFingerprint?: string;
  files?: ListedFile[];
};
