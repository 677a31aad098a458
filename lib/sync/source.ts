import type { Sync } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { decryptSecret } from "@/lib/security/crypto";
import type { SourceSpec } from "@/lib/sources/types";

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
    zipMember: sync.zipMember,
    settleSeconds: sync.settleSeconds,
    readyMarker: sync.readyMarker,
  };
}
