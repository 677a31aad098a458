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
};

/** One file as listed on a server (folder mode). */
export type RemoteFile = { name: string; path: string; size: number; mtime: string };

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
  close(): Promise<void>;
};

export type OpenResult = { unchanged: true; fingerprint: Fingerprint; name: string } | { unchanged: false; source: OpenedSource };

export type ConnectionCheck = {
  ok: boolean;
  message: string;
  /** SHA-256 fingerprints to show the user for trust/pinning. */
  hostKeyFingerprint?: string;
  tlsFingerprint?: string;
  files?: RemoteFile[];
};
