import type { Sync } from "@/db/schema";
import { parseAfterImport } from "@/lib/sources/after-import";
import type { AfterImport } from "@/lib/sources/types";
import { isRemote } from "@/lib/vocabulary";
import { delimiterChoiceOf, type SourceStepInput } from "@/lib/wizard/schemas";
import { readSecretSafe } from "@/lib/wizard/source-secret";

function afterImportOf(stored: string | undefined): AfterImport {
  try {
    return parseAfterImport(stored);
  } catch {
    return { action: "leave" };
  }
}

/** The step-1 form's values for a sync (or a new one). Secrets are never included, only whether one is set. */
export function sourceFormDefaults(
  sync: Sync | null,
  upload?: { id: string; filename: string } | null,
): SourceStepInput {
  const delim = delimiterChoiceOf(sync?.delimiter ?? ",");
  const secret = sync?.secretEnc ? "1" : "";
  const usesKey = !!sync?.secretEnc && !!readSecretSafe(sync).privateKey;
  const remote = !!sync && isRemote(sync.sourceKind);
  const after = afterImportOf(sync?.afterImport);
  return {
    name: sync?.name ?? "",
    sourceType: remote ? "remote" : "upload",
    uploadId: upload?.id ?? (sync?.sourceKind === "upload" ? (sync.uploadId ?? "") : ""),
    uploadName: upload?.filename ?? "",
    location: remote ? (sync.location ?? "") : "",
    protocol: "auto",
    login: sync?.login ?? "",
    authMethod: usesKey ? "key" : "password",
    password: "",
    privateKey: "",
    passphrase: "",
    secretSet: secret,
    folderMode: sync?.folderMode ?? "newest",
    hasHeader: sync?.hasHeader ?? true,
    delimiter: delim.choice,
    delimiterOther: delim.other,
    encoding: sync?.encoding ?? "auto",
    updateExisting: sync?.updateExisting ?? true,
    deleteMissing: sync?.deleteMissing ?? false,
    alwaysImport: sync?.alwaysImport ?? false,
    errorEmail: sync?.errorEmail ?? "",
    zipMember: sync?.zipMember ?? "",
    settleSeconds: sync?.settleSeconds ?? 30,
    readyMarker: sync?.readyMarker ?? "",
    afterImport: after.action,
    afterImportFolder: after.action === "move" ? after.folder : "",
    fingerprint: sync?.hostKeyFingerprint ?? sync?.tlsFingerprint ?? "",
    trustFingerprint: !!(sync?.hostKeyFingerprint ?? sync?.tlsFingerprint),
  };
}
