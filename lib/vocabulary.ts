/**
 * The domain's words, defined once: source kinds, encodings, wizard steps, run statuses, and how keys,
 * labels and column names are compared. Client-safe and dependency-free (no database, no Node), so the
 * schema, the engine, the wizard, the runs pages, the API, the forms and the CLI all read the same lists.
 * The README's "Words" section says what each word means to staff.
 */

/** Where a sync's file comes from. "file" is a local path, for the CLI only. */
export const sourceKinds = ["upload", "file", "http", "https", "ftp", "ftpes", "ftps", "sftp"] as const;
export type SourceKind = (typeof sourceKinds)[number];

/** The kinds fetched from a server: only these can be scheduled or tested. */
export const remoteKinds = ["http", "https", "ftp", "ftpes", "ftps", "sftp"] as const;
export type RemoteKind = (typeof remoteKinds)[number];

export function isRemoteKind(kind: string | null | undefined): kind is RemoteKind {
  return !!kind && (remoteKinds as readonly string[]).includes(kind);
}

/** Whether a source of this kind is fetched from a server (not an upload or a local file). */
export function isRemote(kind: SourceKind | null | undefined): kind is RemoteKind {
  return isRemoteKind(kind);
}

/** A wildcard location imports the newest matching file, or every new file as its own run. */
export const folderModes = ["newest", "every_new"] as const;
export type FolderMode = (typeof folderModes)[number];

/** A sync is a draft until the wizard's last step; deleting one only marks it. */
export const syncStates = ["draft", "active", "deleted"] as const;

/** The encodings a file may be read in; "auto" decides by BOM, else UTF-8 falling back to Windows-1252. */
export const encodings = ["auto", "utf-8", "windows-1252", "utf-16le", "utf-16be"] as const;
export type Encoding = (typeof encodings)[number];
export const encodingLabels: Record<Encoding, string> = {
  auto: "Detect automatically",
  "utf-8": "UTF-8",
  "windows-1252": "Windows-1252 (Western European)",
  "utf-16le": "UTF-16 LE",
  "utf-16be": "UTF-16 BE",
};

export function isEncoding(value: string): value is Encoding {
  return (encodings as readonly string[]).includes(value);
}

/** The import wizard's steps, in order; a sync's `wizard_step` is the 1-based number of the step reached. */
export const wizardSteps = ["source", "preview", "mapping", "schedule"] as const;
export type WizardStep = (typeof wizardSteps)[number];
export const stepNumber: Record<WizardStep, number> = { source: 1, preview: 2, mapping: 3, schedule: 4 };

/** The step with this number (a new draft, at 0, is on the source step). */
export function stepAt(n: number): WizardStep {
  return wizardSteps[Math.max(n, 1) - 1] ?? "source";
}

/** What started a run. */
export const runTriggers = ["upload", "manual", "wizard", "schedule", "cli", "approval"] as const;
export type RunTrigger = (typeof runTriggers)[number];

export const runStatuses = [
  "queued",
  "running",
  "succeeded",
  "completed_with_errors",
  "failed",
  "skipped_unchanged",
  "blocked",
] as const;
export type RunStatus = (typeof runStatuses)[number];
/** A run that is not over yet: a second run of the same import must wait. */
export const activeStatuses = ["queued", "running"] as const satisfies readonly RunStatus[];
/** A run that wrote contacts (and so can be reverted). */
export const appliedStatuses = ["succeeded", "completed_with_errors"] as const satisfies readonly RunStatus[];

export function isActiveStatus(status: RunStatus): boolean {
  return (activeStatuses as readonly RunStatus[]).includes(status);
}

export function isAppliedStatus(status: RunStatus): boolean {
  return (appliedStatuses as readonly RunStatus[]).includes(status);
}

const ASCII = /^[\x00-\x7f]*$/;

/** A contact's Unique Key as it is matched: NFC, lower case (the first spelling seen is the one kept). */
export function keyNorm(key: string): string {
  return (ASCII.test(key) ? key : key.normalize("NFC")).toLowerCase();
}

/** A field label as it must be unique within a manager: trimmed, case-insensitive. */
export function labelKey(label: string): string {
  return label.trim().toLowerCase();
}

/**
 * A file column matched to a field label (wizard pre-mapping and CLI auto-mapping alike): case-insensitive,
 * ignoring spaces, `_` and `-`, so "First_Name", "first-name" and "First Name" are the same field.
 */
export function nameKey(name: string): string {
  return name.toLowerCase().replace(/[\s_-]+/g, "");
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Every id in the database is a UUID: anything else is an unknown id, never a query. */
export function isUuid(value: unknown): value is string {
  return typeof value === "string" && UUID.test(value);
}

/**
 * Merge rule of a mapped field, on update of an existing contact: "overwrite" replaces a changed value, "fill"
 * writes only while the stored value is empty, "create-only" writes only when the contact is created or revived.
 */
export const mergeRules = ["overwrite", "fill", "create-only"] as const;
export type MergeRule = (typeof mergeRules)[number];
/** What an empty cell does to a mapped field: "clear" empties it, "keep" leaves the stored value. */
export const emptyRules = ["clear", "keep"] as const;
export type EmptyRule = (typeof emptyRules)[number];
