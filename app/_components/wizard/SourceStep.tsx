import { and, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { uploads, type Sync } from "@/db/schema";
import { env } from "@/lib/env";
import { isRemote, sourceFormDefaults } from "@/lib/sync/draft";
import { importsPath, wizardPath } from "@/lib/wizard/paths";
import { editToken } from "@/lib/wizard/edit-token";
import { uploadErrorMessage } from "@/lib/wizard/upload-request";
import { saveSourceAction } from "@/app/managers/[id]/imports/[syncId]/edit/actions";
import { SourceForm } from "./SourceForm";

type Search = Record<string, string | string[] | undefined>;
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** Step 1 for a new import (sync null) or an existing one. Reads ?upload / ?uploadError after a no-JS upload. */
export async function SourceStep({ db, managerId, sync, userId, search }: { db: Db; managerId: string; sync: Sync | null; userId: string; search: Search }) {
  const uploadParam = one(search.upload);
  let justUploaded: { id: string; filename: string; size: number } | null = null;
  if (uploadParam && /^[0-9a-f-]{36}$/i.test(uploadParam)) {
    const [row] = await db
      .select()
      .from(uploads)
      .where(and(eq(uploads.id, uploadParam), eq(uploads.createdBy, userId), eq(uploads.complete, true)));
    if (row) justUploaded = { id: row.id, filename: row.filename, size: row.size };
  }
  let stored: { filename: string; size: number } | null = null;
  if (!justUploaded && sync?.sourceKind === "upload" && sync.uploadId) {
    const [row] = await db.select().from(uploads).where(eq(uploads.id, sync.uploadId));
    if (row) stored = { filename: row.filename, size: row.size };
  }
  const defaults = sourceFormDefaults(sync, justUploaded);
  if (justUploaded) defaults.sourceType = "upload";
  const pinnedFp = sync && isRemote(sync) ? (sync.hostKeyFingerprint ?? sync.tlsFingerprint) : null;
  return (
    <SourceForm
      key={`${sync?.updatedAt.getTime() ?? "new"}-${justUploaded?.id ?? ""}`}
      action={saveSourceAction}
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
