import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { type Sync, syncs, uploads } from "@/db/schema";
import { gone } from "@/lib/errors";
import { encryptSecret } from "@/lib/security/crypto";
import { formatAfterImport, parseAfterImport } from "@/lib/sources/after-import";
import { isSourceError } from "@/lib/sources/errors";
import { parseLocation } from "@/lib/sources/location";
import { normalizeMarker } from "@/lib/sources/readiness";
import type { SourceSpec } from "@/lib/sources/types";
import { isUuid } from "@/lib/vocabulary";
import { type DefinitionPatch, getWizardSync, saveDefinition } from "@/lib/wizard/draft-store";
import { isLinkProblem, needsLogin, readTypedLink } from "@/lib/wizard/location";
import { delimiterChar, type FieldErrors, type SourceStepValues } from "@/lib/wizard/schemas";
import { mergeSecret, origin, readSecret, type Secret } from "@/lib/wizard/source-secret";
import { StepError } from "@/lib/wizard/step-error";

/**
 * Step 1's input. `userId` must own the upload it names (null: the CLI, which acts as no user). `fileLater`: an
 * upload import defined without a file (JSON definitions): its file is pushed later (POST /api/syncs/:id/upload).
 */
export type SourceInput = {
  managerId: string;
  syncId: string | null;
  userId: string | null;
  values: SourceStepValues;
  fileLater?: boolean;
};
type ResolvedSource = { current: Sync | null; patch: DefinitionPatch; secret: Secret };

/** Step 1: create the draft (syncId null) or update the sync's source and options. Returns the saved row. */
export async function saveSourceStep(db: Db, input: SourceInput): Promise<Sync> {
  const { current, patch } = await resolveSource(db, input);
  if (current) return saveDefinition(db, current, patch, { wizardStep: Math.max(current.wizardStep, 2) });
  const [row] = await db
    .insert(syncs)
    .values({
      ...(patch as typeof syncs.$inferInsert),
      managerId: input.managerId,
      name: patch.name!,
      state: "draft",
      wizardStep: 2,
      createdBy: input.userId,
    })
    .returning();
  return row;
}

/**
 * The source as step 1 describes it, without saving (also what "Test connection" tries). Secrets decrypted
 * (server-side only, never logged).
 */
export async function sourceSpecForTest(db: Db, input: SourceInput): Promise<SourceSpec> {
  const { patch, secret } = await resolveSource(db, input);
  return {
    kind: patch.sourceKind!,
    location: patch.location ?? undefined,
    uploadId: patch.uploadId ?? undefined,
    login: patch.login ?? undefined,
    ...secret,
    folderMode: patch.folderMode ?? "newest",
    tlsFingerprint: patch.tlsFingerprint ?? null,
    hostKeyFingerprint: patch.hostKeyFingerprint ?? null,
    allowPrivateHosts: false, // the guard itself honours ALLOW_PRIVATE_HOSTS
    zipMember: patch.zipMember ?? null,
    settleSeconds: patch.settleSeconds ?? 30,
    readyMarker: patch.readyMarker ?? null,
  };
}

/** Step 1's feed options: the settle time, ready marker and after-import action apply to FTP/FTPS/SFTP only. */
function feedOptions(values: SourceStepValues, kind: string): DefinitionPatch {
  const remoteFiles = kind === "ftp" || kind === "ftpes" || kind === "ftps" || kind === "sftp";
  let afterImport = "leave";
  try {
    if (remoteFiles && values.afterImport !== "leave")
      afterImport = formatAfterImport(
        parseAfterImport(values.afterImport === "move" ? `move:${values.afterImportFolder}` : "delete"),
      );
    return {
      zipMember: values.zipMember.trim() || null,
      settleSeconds: remoteFiles ? values.settleSeconds : 30,
      readyMarker: remoteFiles ? normalizeMarker(values.readyMarker) : null,
      afterImport,
    };
  } catch (e) {
    if (isSourceError(e))
      throw new StepError(
        values.afterImport === "move" ? { afterImportFolder: e.message } : { readyMarker: e.message },
      );
    throw e;
  }
}

function defaultName(values: SourceStepValues, location: string | null, uploadName: string | null): string {
  if (values.name) return values.name;
  const base = uploadName ?? decodeURIComponent(location?.split("/").pop() ?? "") ?? "";
  return base || "Import";
}

async function resolveSource(db: Db, input: SourceInput): Promise<ResolvedSource> {
  const { managerId, syncId, userId, values, fileLater } = input;
  let secretOut: Secret = {};
  const current = syncId ? await getWizardSync(db, managerId, syncId) : null;
  if (syncId && !current) throw gone("import");
  const delimiter = delimiterChar(values.delimiter, values.delimiterOther);
  if (!delimiter) throw new StepError({ delimiterOther: "Type exactly one delimiter character." });
  const autoKey = !!current?.mapping?.autoKey;

  const common = {
    hasHeader: values.hasHeader,
    delimiter,
    encoding: values.encoding,
    updateExisting: autoKey ? false : values.updateExisting,
    alwaysImport: values.alwaysImport,
    errorEmail: values.errorEmail || null,
    updatedAt: new Date(),
  };

  let patch: DefinitionPatch;
  if (values.sourceType === "upload") {
    const [upload] = isUuid(values.uploadId)
      ? await db.select().from(uploads).where(eq(uploads.id, values.uploadId))
      : [];
    // A fresh upload must be the user's own; the one the sync already uses may be someone else's.
    const mine = !upload?.createdBy || upload.createdBy === userId || current?.uploadId === upload.id;
    const noFileYet = fileLater && !values.uploadId;
    if (!noFileYet && (!upload?.complete || !mine)) {
      throw new StepError({ uploadId: "The uploaded file was not found. Choose the file again." });
    }
    patch = {
      ...common,
      name: defaultName(values, null, upload?.filename ?? null),
      sourceKind: "upload",
      uploadId: noFileYet ? null : upload.id,
      location: null,
      login: null,
      secretEnc: null,
      folderMode: "newest",
      deleteMissing: autoKey ? false : values.deleteMissing,
      tlsFingerprint: null,
      hostKeyFingerprint: null,
      schedule: null,
      nextRunAt: null,
      ...feedOptions(values, "upload"),
    };
  } else {
    const parsed = readTypedLink(values.location, values.protocol);
    if (isLinkProblem(parsed)) throw new StepError({ location: parsed.message });
    try {
      parseLocation(parsed.kind, parsed.location); // the source layer's own, stricter reading
    } catch (e) {
      if (isSourceError(e)) throw new StepError({ location: e.message });
      throw e;
    }
    const sameServer = !!current && origin(current.location) === origin(parsed.location);
    const stored = sameServer ? readSecret(current) : {};
    const secret = mergeSecret(parsed.kind, values, stored, parsed.password);
    const login = values.login || parsed.login || "";
    if (needsLogin(parsed.kind)) {
      const errors: FieldErrors = {};
      if (!login) errors.login = "This server needs a login.";
      if (!secret.password && !secret.privateKey) {
        const field = parsed.kind === "sftp" && values.authMethod === "key" ? "privateKey" : "password";
        errors[field] =
          current?.secretEnc && !sameServer
            ? "The server changed: enter the password (or key) for the new server."
            : "This server needs a password.";
      }
      if (Object.keys(errors).length) throw new StepError(errors);
    }
    const folderMode = parsed.hasWildcard ? values.folderMode : "newest";
    secretOut = secret;
    // An SFTP host key is pinned on first use: the key "Test connection" (or step 1's own connection) saw is
    // stored as the user goes on, else the preview's first connection pins it. A TLS certificate is pinned
    // only when ticked: unpinned, it is checked against the certificate authorities.
    const pin = values.fingerprint && (parsed.kind === "sftp" || values.trustFingerprint) ? values.fingerprint : null;
    patch = {
      ...common,
      name: defaultName(values, parsed.location, null),
      sourceKind: parsed.kind,
      uploadId: null,
      location: parsed.location,
      login: login || null,
      secretEnc: Object.keys(secret).length ? encryptSecret(secret) : null,
      folderMode,
      // Never frozen into the sync: the SSRF guard reads ALLOW_PRIVATE_HOSTS at connect time, so an operator
      // who turns it off protects every existing sync too. (Only CLI one-off imports set this flag.)
      allowPrivateHosts: false,
      deleteMissing: autoKey || folderMode === "every_new" ? false : values.deleteMissing,
      hostKeyFingerprint: parsed.kind === "sftp" ? (pin ?? (sameServer ? current!.hostKeyFingerprint : null)) : null,
      tlsFingerprint:
        parsed.kind !== "sftp" && parsed.kind !== "ftp" && parsed.kind !== "http"
          ? (pin ?? (sameServer ? current!.tlsFingerprint : null))
          : null,
      ...feedOptions(values, parsed.kind),
    };
  }

  return { current, patch, secret: secretOut };
}
