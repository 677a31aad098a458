import type { Db } from "@/db/client";
import type { Sync } from "@/db/schema";
import { env } from "@/lib/env";
import { isRemote } from "@/lib/vocabulary";
import { editToken } from "@/lib/wizard/edit-token";
import { sourceFormDefaults } from "@/lib/wizard/source-defaults";
import { sourceStepUploads } from "@/lib/wizard/source-uploads";
import { uploadErrorMessage } from "@/lib/wizard/upload-request";
import { SourceForm } from "@/app/_components/wizard/SourceForm";
import type { WizardAction } from "@/app/_components/wizard/useWizardForm";
import { importsPath, wizardPath } from "@/lib/paths";

type Search = Record<string, string | string[] | undefined>;
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** Step 1 for a new import (sync null) or an existing one. Reads ?upload / ?uploadError after a no-JS upload. */
export async function SourceStep({
  db,
  managerId,
  sync,
  userId,
  search,
  action,
}: {
  db: Db;
  managerId: string;
  sync: Sync | null;
  userId: string;
  search: Search;
  /** The route's server action that saves step 1. */
  action: WizardAction;
}) {
  const { justUploaded, stored } = await sourceStepUploads(db, { userId, sync, uploadParam: one(search.upload) });
  const defaults = sourceFormDefaults(sync, justUploaded);
  if (justUploaded) defaults.sourceType = "upload";
  const pinnedFp = sync && isRemote(sync.sourceKind) ? (sync.hostKeyFingerprint ?? sync.tlsFingerprint) : null;
  return (
    <SourceForm
      key={`${sync?.updatedAt.getTime() ?? "new"}-${justUploaded?.id ?? ""}`}
      action={action}
      managerId={managerId}
      syncId={sync?.id ?? null}
      editSince={editToken(sync)}
      defaults={defaults}
      maxBytes={env.UPLOAD_MAX_BYTES}
      uploadReturnTo={wizardPath(managerId, sync?.id ?? null, "source")}
      currentUpload={justUploaded ?? stored}
      uploadError={uploadErrorMessage(one(search.uploadError), env.UPLOAD_MAX_BYTES)}
      autoKey={!!sync?.mapping?.autoKey}
      pinned={pinnedFp ? { kind: sync?.hostKeyFingerprint ? "host_key" : "tls", fingerprint: pinnedFp } : null}
      cancelHref={importsPath(managerId)}
      persistKey={`wizard:${managerId}:${sync?.id ?? "new"}:source:${sync?.updatedAt.getTime() ?? 0}`}
    />
  );
}
