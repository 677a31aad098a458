import { and, eq, inArray, ne, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import type { SourceSpec } from "@/lib/sources/types";
import { runs, syncs, uploads, type Field, type Mapping, type PendingEdit, type Schedule, type Sync } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { decryptSecret, encryptSecret } from "@/lib/security/crypto";
import { isSourceError } from "@/lib/sources/errors";
import { parseLocation as parseSourceLocation } from "@/lib/sources/location";
import { isLocationProblem, needsLogin, parseLocation, type RemoteKind } from "@/lib/wizard/location";
import {
  AUTO_KEY,
  delimiterChar,
  delimiterChoiceOf,
  type FieldErrors,
  type MappingStepValues,
  type SourceStepInput,
  type SourceStepValues,
} from "@/lib/wizard/schemas";

/**
 * Wizard drafts: every step saves into the sync's row (state "draft" until the last step, with wizard_step),
 * so a reload, another browser or another app instance continues where the user was. The step schemas
 * live in lib/wizard/schemas.ts (client-safe) and are re-exported here.
 *
 * Editing an ACTIVE sync: the steps save into `syncs.pending_edit` instead of the live columns, so runs
 * (scheduled, "Go") keep using the last finished definition. The wizard reads the sync through
 * `withPendingEdit` (live row + pending fields); the last step applies the pending fields in one UPDATE and
 * clears them (`activateSync`); `discardPendingEdit` drops them.
 */
export * from "@/lib/wizard/schemas";

export const wizardSteps = ["source", "preview", "mapping", "schedule"] as const;
export type WizardStep = (typeof wizardSteps)[number];
export const stepNumber: Record<WizardStep, number> = { source: 1, preview: 2, mapping: 3, schedule: 4 };

type Secret = { password?: string; privateKey?: string; passphrase?: string };

/** Thrown when a step's values are valid alone but not against what is stored (e.g. a missing secret). */
export class StepError extends AppError {
  constructor(public readonly fieldErrors: FieldErrors) {
    super("invalid_step", Object.values(fieldErrors)[0] ?? "Check the highlighted fields.", 400);
  }
}

export function isRemote(sync: Pick<Sync, "sourceKind">): boolean {
  return !!sync.sourceKind && sync.sourceKind !== "upload" && sync.sourceKind !== "file";
}

/**
 * A sync of this manager that the wizard may open (drafts and active syncs; not deleted ones), as the
 * wizard sees it: with its pending edit (if any) laid over the live definition.
 */
export async function getWizardSync(db: Db, managerId: string, syncId: string): Promise<Sync | null> {
  if (!/^[0-9a-f-]{36}$/i.test(syncId)) return null;
  const [row] = await db
    .select()
    .from(syncs)
    .where(and(eq(syncs.id, syncId), eq(syncs.managerId, managerId), ne(syncs.state, "deleted")));
  return row ? withPendingEdit(row) : null;
}

/** The definition fields an edit of an active sync may change (everything else stays live-only). */
const pendingFields = [
  "name",
  "sourceKind",
  "location",
  "login",
  "secretEnc",
  "folderMode",
  "tlsFingerprint",
  "hostKeyFingerprint",
  "uploadId",
  "hasHeader",
  "delimiter",
  "encoding",
  "mapping",
  "updateExisting",
  "deleteMissing",
  "alwaysImport",
  "errorEmail",
  "allowPrivateHosts",
  "schedule",
] as const satisfies readonly (keyof PendingEdit & keyof Sync)[];

type DefinitionPatch = Partial<typeof syncs.$inferInsert>;

/**
 * The fields that decide what a run reads and writes: when a finished edit changes one, the last source
 * fingerprint is forgotten so the next run applies the new definition even to an unchanged file (as
 * one-off CLI imports do when their options change).
 */
const readingFields = ["sourceKind", "location", "uploadId", "login", "folderMode", "hasHeader", "delimiter", "encoding", "mapping", "updateExisting", "deleteMissing"] as const;

function pendingPart(patch: DefinitionPatch): Partial<PendingEdit> {
  const out: Record<string, unknown> = {};
  for (const k of pendingFields) if (k in patch && patch[k] !== undefined) out[k] = patch[k];
  return out as Partial<PendingEdit>;
}

/** The live columns a pending edit sets when it is applied. */
function pendingColumns(pending: PendingEdit): DefinitionPatch {
  const out: Record<string, unknown> = {};
  for (const k of pendingFields) if (k in pending) out[k] = pending[k];
  return out as DefinitionPatch;
}

/** The sync as the wizard shows it: the live row with its pending edit's fields over it (`pendingEdit` kept). */
export function withPendingEdit(row: Sync): Sync {
  if (!row.pendingEdit) return row;
  return { ...row, ...(pendingColumns(row.pendingEdit) as Partial<Sync>), updatedAt: new Date(row.pendingEdit.savedAt) };
}

/** Whether the wizard is editing a live (active) sync: its steps then save into the pending edit. */
export function editsPending(sync: Pick<Sync, "state">): boolean {
  return sync.state !== "draft";
}

/**
 * Save a step's fields: a draft's columns directly; an active sync's into its pending edit (merged with
 * what earlier steps saved there), leaving the live definition untouched. Returns the sync as the wizard sees it.
 */
async function saveDefinition(db: Db, sync: Sync, patch: DefinitionPatch, draftOnly: DefinitionPatch = {}): Promise<Sync> {
  if (!editsPending(sync)) {
    const [row] = await db.update(syncs).set({ ...patch, ...draftOnly, updatedAt: new Date() }).where(eq(syncs.id, sync.id)).returning();
    return withPendingEdit(row);
  }
  const now = new Date().toISOString();
  const merge = { ...pendingPart(patch), savedAt: now };
  const [row] = await db
    .update(syncs)
    .set({ pendingEdit: sql`jsonb_build_object('startedAt', ${now}::text) || coalesce(${syncs.pendingEdit}, '{}'::jsonb) || ${JSON.stringify(merge)}::jsonb` })
    .where(eq(syncs.id, sync.id))
    .returning();
  if (!row) throw new AppError("not_found", "This import no longer exists.", 404);
  return withPendingEdit(row);
}

/** "Discard changes": drop an active sync's pending edit; the live definition is untouched. Returns whether there was one. */
export async function discardPendingEdit(db: Db, sync: Pick<Sync, "id">): Promise<boolean> {
  const rows = await db
    .update(syncs)
    .set({ pendingEdit: null })
    .where(and(eq(syncs.id, sync.id), sql`${syncs.pendingEdit} is not null`))
    .returning({ id: syncs.id });
  return rows.length > 0;
}

function readSecret(sync: Pick<Sync, "secretEnc"> | null): Secret {
  if (!sync?.secretEnc) return {};
  return decryptSecret<Secret>(sync.secretEnc);
}

/** Scheme + host + port: a stored secret or pinned fingerprint belongs to one server. */
function origin(location: string | null | undefined): string | null {
  if (!location) return null;
  const m = /^([a-z0-9+.-]+):\/\/([^/]+)/i.exec(location);
  return m ? `${m[1].toLowerCase()}://${m[2].toLowerCase()}` : null;
}

/** The step-1 form's values for a sync (or a new one). Secrets are never included, only whether one is set. */
export function sourceFormDefaults(sync: Sync | null, upload?: { id: string; filename: string } | null): SourceStepInput {
  const delim = delimiterChoiceOf(sync?.delimiter ?? ",");
  const secret = sync?.secretEnc ? "1" : "";
  const usesKey = !!sync?.secretEnc && !!readSecretSafe(sync).privateKey;
  return {
    name: sync?.name ?? "",
    sourceType: sync && isRemote(sync) ? "remote" : "upload",
    uploadId: upload?.id ?? (sync?.sourceKind === "upload" ? (sync.uploadId ?? "") : ""),
    uploadName: upload?.filename ?? "",
    location: sync && isRemote(sync) ? (sync.location ?? "") : "",
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
    fingerprint: sync?.hostKeyFingerprint ?? sync?.tlsFingerprint ?? "",
    trustFingerprint: !!(sync?.hostKeyFingerprint ?? sync?.tlsFingerprint),
  };
}

function readSecretSafe(sync: Sync): Secret {
  try {
    return readSecret(sync);
  } catch {
    return {};
  }
}

function defaultName(values: SourceStepValues, location: string | null, uploadName: string | null): string {
  if (values.name) return values.name;
  const base = uploadName ?? decodeURIComponent(location?.split("/").pop() ?? "") ?? "";
  return base || "Import";
}

/**
 * Step 1: create the draft (syncId null) or update the sync's source and options. Returns the saved row.
 * `userId` must own the upload it names.
 */
type SourceInput = { managerId: string; syncId: string | null; userId: string; values: SourceStepValues };
type ResolvedSource = { current: Sync | null; patch: Partial<typeof syncs.$inferInsert>; secret: Secret };

export async function saveSourceStep(db: Db, input: SourceInput): Promise<Sync> {
  const { current, patch } = await resolveSource(db, input);
  if (current) return saveDefinition(db, current, patch, { wizardStep: Math.max(current.wizardStep, 2) });
  const [row] = await db
    .insert(syncs)
    .values({ ...(patch as typeof syncs.$inferInsert), managerId: input.managerId, name: patch.name!, state: "draft", wizardStep: 2, createdBy: input.userId })
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
  };
}

async function resolveSource(db: Db, input: SourceInput): Promise<ResolvedSource> {
  const { managerId, syncId, userId, values } = input;
  let secretOut: Secret = {};
  const current = syncId ? await getWizardSync(db, managerId, syncId) : null;
  if (syncId && !current) throw new AppError("not_found", "This import no longer exists.", 404);
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

  let patch: Partial<typeof syncs.$inferInsert>;
  if (values.sourceType === "upload") {
    const [upload] = /^[0-9a-f-]{36}$/i.test(values.uploadId) ? await db.select().from(uploads).where(eq(uploads.id, values.uploadId)) : [];
    // A fresh upload must be the user's own; the one the sync already uses may be someone else's.
    const mine = !upload?.createdBy || upload.createdBy === userId || current?.uploadId === upload.id;
    if (!upload || !upload.complete || !mine) {
      throw new StepError({ uploadId: "The uploaded file was not found. Choose the file again." });
    }
    patch = {
      ...common,
      name: defaultName(values, null, upload.filename),
      sourceKind: "upload",
      uploadId: upload.id,
      location: null,
      login: null,
      secretEnc: null,
      folderMode: "newest",
      deleteMissing: autoKey ? false : values.deleteMissing,
      tlsFingerprint: null,
      hostKeyFingerprint: null,
      schedule: null,
      nextRunAt: null,
    };
  } else {
    const parsed = parseLocation(values.location, values.protocol);
    if (isLocationProblem(parsed)) throw new StepError({ location: parsed.message });
    try {
      parseSourceLocation(parsed.kind, parsed.location); // the source layer's own, stricter reading
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
        errors[field] = current?.secretEnc && !sameServer ? "The server changed: enter the password (or key) for the new server." : "This server needs a password.";
      }
      if (Object.keys(errors).length) throw new StepError(errors);
    }
    const folderMode = parsed.hasWildcard ? values.folderMode : "newest";
    secretOut = secret;
    const pin = values.trustFingerprint && values.fingerprint ? values.fingerprint : null;
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
      tlsFingerprint: parsed.kind !== "sftp" && parsed.kind !== "ftp" && parsed.kind !== "http" ? (pin ?? (sameServer ? current!.tlsFingerprint : null)) : null,
    };
  }

  return { current, patch, secret: secretOut };
}

/** Blank fields keep what is stored; the chosen SFTP method decides whether a password or a key is kept. */
function mergeSecret(kind: RemoteKind, values: SourceStepValues, stored: Secret, linkPassword?: string): Secret {
  if (kind === "sftp" && values.authMethod === "key") {
    const privateKey = values.privateKey.trim() ? values.privateKey.trim() + "\n" : stored.privateKey;
    const passphrase = values.privateKey.trim() ? values.passphrase || undefined : values.passphrase || stored.passphrase;
    return clean({ privateKey, passphrase });
  }
  return clean({ password: values.password || linkPassword || stored.password });
}

function clean(s: Secret): Secret {
  return Object.fromEntries(Object.entries(s).filter(([, v]) => v)) as Secret;
}

/** Step 2's "use Semicolon?" suggestion. */
export async function applyParseSuggestion(db: Db, sync: Sync, input: { delimiter: string; encoding: Sync["encoding"] }): Promise<void> {
  await saveDefinition(db, sync, { delimiter: input.delimiter, encoding: input.encoding });
}

/** Record that the user reached a step (drafts only: an active sync's edit does not move a marker). */
export async function reachStep(db: Db, sync: Sync, step: WizardStep): Promise<void> {
  const n = stepNumber[step];
  if (sync.state !== "draft" || sync.wizardStep >= n) return;
  await db.update(syncs).set({ wizardStep: n, updatedAt: new Date() }).where(eq(syncs.id, sync.id));
}

/** Normalised for matching column names to field labels: case- and space-insensitive. */
export function nameKey(s: string): string {
  return s.toLowerCase().replace(/[\s_-]+/g, "");
}

/**
 * The mapping form's starting values: the stored mapping for columns still in the file, else fields whose
 * label matches the column name. The key field is chosen separately (not in the per-column selects).
 */
export function mappingDefaults(columns: string[], fields: Field[], mapping: Mapping | null): { columns: { column: string; fieldId: string }[]; key: string } {
  const keyField = fields.find((f) => f.role === "key");
  const mappable = fields.filter((f) => f.role !== "key");
  const byLabel = new Map(mappable.map((f) => [nameKey(f.label), f.id]));
  const stored = new Map((mapping?.columns ?? []).map((c) => [c.column, c.fieldId]));
  const used = new Set<string>();
  const rows = columns.map((column) => {
    let fieldId = mapping ? (stored.get(column) ?? "") : (byLabel.get(nameKey(column)) ?? "");
    if (fieldId && (used.has(fieldId) || !mappable.some((f) => f.id === fieldId))) fieldId = "";
    if (fieldId) used.add(fieldId);
    return { column, fieldId };
  });
  let key = "";
  if (mapping?.autoKey) key = AUTO_KEY;
  else if (mapping?.keyColumn && columns.includes(mapping.keyColumn)) key = mapping.keyColumn;
  else if (keyField) key = columns.find((c) => nameKey(c) === nameKey(keyField.label)) ?? "";
  return { columns: rows, key };
}

/** Step 3: store the mapping. Generated keys switch update and delete-missing off (SPEC §4). */
export async function saveMappingStep(db: Db, sync: Sync, values: Pick<MappingStepValues, "columns" | "key">, fields: Field[], fileColumns: string[]): Promise<Sync> {
  const errors: FieldErrors = {};
  const known = new Set(fields.filter((f) => f.role !== "key").map((f) => f.id));
  values.columns.forEach((c, i) => {
    if (!fileColumns.includes(c.column)) errors[`columns.${i}.column`] = `The file has no column “${c.column}” any more. Go back to the preview.`;
    if (c.fieldId && !known.has(c.fieldId)) errors[`columns.${i}.fieldId`] = "This field no longer exists. Choose another one.";
  });
  if (values.key && values.key !== AUTO_KEY && !fileColumns.includes(values.key)) errors.key = "The unique identifier must be one of the file's columns.";
  if (Object.keys(errors).length) throw new StepError(errors);
  const autoKey = values.key === AUTO_KEY;
  const mapping: Mapping = {
    columns: values.columns.filter((c) => c.fieldId).map((c) => ({ column: c.column, fieldId: c.fieldId })),
    keyColumn: autoKey ? null : values.key || null,
    autoKey,
  };
  const patch: DefinitionPatch = { mapping };
  if (autoKey) Object.assign(patch, { updateExisting: false, deleteMissing: false });
  return saveDefinition(db, sync, patch, { wizardStep: Math.max(sync.wizardStep, 3) });
}

/**
 * Last step: the sync becomes active, with or without a schedule. An active sync's pending edit (`sync` as
 * `getWizardSync` returns it) becomes live here, with the schedule, in one UPDATE that also clears it; the
 * UPDATE only applies the edit the wizard has shown (a concurrent step or discard in another window → 409).
 */
export async function activateSync(
  db: Db,
  sync: Sync,
  input: { schedule: Schedule | null; nextRunAt: Date | null; errorEmail?: string | null; safetyThresholdPct?: number },
): Promise<Sync> {
  if (!sync.mapping || (!sync.mapping.autoKey && !sync.mapping.keyColumn)) {
    throw new AppError("mapping_missing", "Choose the unique identifier column (or generated keys) on the mapping step first.", 400);
  }
  if (input.schedule && !isRemote(sync)) throw new AppError("schedule_not_allowed", "Only imports from a server can be scheduled.", 400);
  const pending = sync.pendingEdit;
  let readingChanged = false;
  if (pending) {
    const [live] = await db.select().from(syncs).where(eq(syncs.id, sync.id));
    readingChanged = !!live && readingFields.some((k) => k in pending && JSON.stringify(pending[k] ?? null) !== JSON.stringify(live[k] ?? null));
  }
  const patch: DefinitionPatch = {
    ...(pending ? pendingColumns(pending) : {}),
    state: "active",
    schedule: input.schedule,
    nextRunAt: input.nextRunAt,
    pendingEdit: null,
    updatedAt: new Date(),
  };
  if (input.errorEmail !== undefined) patch.errorEmail = input.errorEmail || null;
  if (input.safetyThresholdPct !== undefined) patch.safetyThresholdPct = input.safetyThresholdPct;
  if (readingChanged) patch.lastFingerprint = null;
  const same = pending ? sql`${syncs.pendingEdit} = ${JSON.stringify(pending)}::jsonb` : sql`${syncs.pendingEdit} is null`;
  // Not while a run of this import is queued or running: the wizard's run would be refused, and the edit must
  // not have gone live meanwhile (a changed file or delete-missing switched on, behind the user's back).
  const idle = sql`not exists (select 1 from runs where runs.sync_id = ${syncs.id} and runs.status in ('queued', 'running'))`;
  const [row] = await db.update(syncs).set(patch).where(and(eq(syncs.id, sync.id), same, idle)).returning();
  if (!row) {
    const [busy] = await db.select({ id: runs.id }).from(runs).where(and(eq(runs.syncId, sync.id), inArray(runs.status, ["queued", "running"])));
    if (busy)
      throw new AppError("run_active", "This import is running. Your changes are kept: finish the edit once the run is over.", 409, { runId: busy.id });
    throw new AppError("edit_conflict", "This import's changes were saved or discarded in another window meanwhile. Check the steps and finish again.", 409);
  }
  return row;
}
