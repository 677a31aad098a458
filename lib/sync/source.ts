import type { Sync } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { decryptSecret } from "@/lib/security/crypto";
import { openFileSource } from "@/lib/sources/file";
import { openUploadSource } from "@/lib/sources/upload";
import type { OpenOptions, OpenResult, RemoteFile, SourceSpec } from "@/lib/sources/types";

type StoredSecret = { password?: string; privateKey?: string; passphrase?: string };

/** The SourceSpec of a sync: its location and options, with the stored secret decrypted (never log it). */
export function buildSourceSpec(sync: Sync): SourceSpec {
  if (!sync.sourceKind) throw new AppError("source_missing", "This import has no source yet. Finish its set-up first.");
  const secret: StoredSecret = sync.secretEnc ? decryptSecret<StoredSecret>(sync.secretEnc) : {};
  return {
    kind: sync.sourceKind,
    location: sync.location ?? undefined,
    uploadId: sync.uploadId ?? undefined,
    login: sync.login ?? undefined,
    password: secret.password,
    privateKey: secret.privateKey,
    passphrase: secret.passphrase,
    folderMode: sync.folderMode,
    tlsFingerprint: sync.tlsFingerprint,
    hostKeyFingerprint: sync.hostKeyFingerprint,
    allowPrivateHosts: sync.allowPrivateHosts,
  };
}

/** Open the source of a run (local file and upload here; remote kinds through the shared dispatcher). */
export async function openSyncSource(spec: SourceSpec, opts: OpenOptions): Promise<OpenResult> {
  if (spec.kind === "file") return openFileSource(spec, opts);
  if (spec.kind === "upload") return openUploadSource(spec, opts);
  throw new AppError("source_unavailable", `Sources of kind ${spec.kind} are not available in this build.`, 500);
}

/** Files matching a folder location (every-new-file mode). */
export async function listSyncFiles(spec: SourceSpec): Promise<RemoteFile[]> {
  throw new AppError("source_unavailable", `Listing files of kind ${spec.kind} is not available in this build.`, 500);
}
