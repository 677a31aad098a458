import {
  pgTable,
  uuid,
  text,
  timestamp,
  integer,
  boolean,
  jsonb,
  bigint,
  bigserial,
  numeric,
  index,
  uniqueIndex,
  customType,
} from "drizzle-orm/pg-core";
import { sql } from "drizzle-orm";
import { managers } from "@/db/schema/contacts";
import { users } from "@/db/schema/auth";
import {
  encodings,
  folderModes,
  type RunStatus,
  runStatuses,
  runTriggers,
  type SourceKind,
  sourceKinds,
  syncStates,
  emptyRules,
  mergeRules,
  type EmptyRule,
  type MergeRule,
} from "@/lib/vocabulary";

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => "bytea" });

export { encodings, folderModes, runStatuses, runTriggers, sourceKinds, syncStates };
export type { RunStatus, SourceKind };

export { emptyRules, mergeRules };
export type { EmptyRule, MergeRule };

/** One mapped column. `merge` and `empty` are left out when they are the defaults (overwrite, clear). */
export type MappedColumn = { column: string; fieldId: string; merge?: MergeRule; empty?: EmptyRule };

/** How file columns feed the manager: column name (header text, or "Column N") → field id. */
export type Mapping = {
  columns: MappedColumn[];
  /** The column whose value is the Unique Key; null with autoKey. */
  keyColumn: string | null;
  autoKey: boolean;
  /**
   * CLI imports without --map: every file column feeds the field of the same label (case-insensitive),
   * missing fields are created as text when the run reads the header. `columns` is then ignored.
   */
  autoMap?: boolean;
  /**
   * The operation column (delta files): `delete`, `d`, `remove` (any case) soft-delete that key's contact;
   * empty, `upsert`, `u` are a normal row; anything else is a row error. It feeds no field.
   */
  opColumn?: string | null;
  /** With autoMap: merge and empty-cell rules by field label (null: every field), given on the CLI. */
  autoRules?: RuleByLabel[];
};

/** A rule for one field by label (case-insensitive) or, with `field` null, for every field (CLI flags). */
export type RuleByLabel = { field: string | null; merge?: MergeRule; empty?: EmptyRule };

/** What identifies a version of the source, to skip unchanged ones. */
export type Fingerprint = {
  sha256?: string;
  etag?: string;
  lastModified?: string;
  size?: number;
  mtime?: string;
  name?: string;
};

/** A limit as a share of the live contacts (`pct`, two decimals) and/or a count; each part off when absent. */
export type GuardLimit = { count?: number; pct?: number };

/**
 * Guards beyond the change threshold (its own column, safety_threshold_pct), checked after planning. All off
 * by default: an empty object is today's behaviour.
 */
export type Guards = {
  maxDeleted?: GuardLimit;
  maxUpdated?: GuardLimit;
  /** Share limits (the threshold included) apply only from this many live contacts on. */
  minContacts?: number;
  /** Guard Go, upload, CLI and API runs too, not only scheduled ones. */
  everyRun?: boolean;
  /**
   * One-off CLI imports: the guards given on the command line of the last import (its sync is rewritten from
   * the flags each time). A guard given on the CLI applies to that CLI run even without "guard every run".
   */
  given?: { threshold?: boolean; maxDeleted?: boolean; maxUpdated?: boolean };
};

/**
 * An ACTIVE sync's edit in progress (import wizard): the edited definition fields, which become live only
 * when the wizard finishes (one UPDATE that also clears it). Runs never read it. `secretEnc` is the same
 * AES-256-GCM envelope as the live column: a secret is never stored in clear here either.
 */
export type PendingEdit = {
  /** ISO times: when this edit began, when a step last saved into it. */
  startedAt: string;
  savedAt: string;
  name?: string;
  sourceKind?: SourceKind | null;
  location?: string | null;
  login?: string | null;
  secretEnc?: string | null;
  folderMode?: (typeof folderModes)[number];
  tlsFingerprint?: string | null;
  hostKeyFingerprint?: string | null;
  uploadId?: string | null;
  hasHeader?: boolean;
  delimiter?: string;
  encoding?: (typeof encodings)[number];
  mapping?: Mapping | null;
  updateExisting?: boolean;
  deleteMissing?: boolean;
  alwaysImport?: boolean;
  errorEmail?: string | null;
  allowPrivateHosts?: boolean;
  zipMember?: string | null;
  settleSeconds?: number;
  readyMarker?: string | null;
  afterImport?: string;
  schedule?: Schedule | null;
  guards?: Guards;
  safetyThresholdPct?: number;
};

export type Schedule = {
  /** Local start, "YYYY-MM-DDTHH:MM". */
  start: string;
  tz: string;
  /** RFC 5545 RRULE body without DTSTART, e.g. "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,WE". */
  rrule: string;
};

export const syncs = pgTable(
  "syncs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    managerId: uuid("manager_id")
      .notNull()
      .references(() => managers.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    state: text("state", { enum: syncStates }).notNull().default("draft"),
    /** "wizard" syncs are staff-made; "cli" ones stand for repeated one-off CLI imports of one source. */
    origin: text("origin", { enum: ["wizard", "cli"] })
      .notNull()
      .default("wizard"),
    /** For CLI syncs: manager + source identity, so repeated imports find the same sync. */
    originKey: text("origin_key"),
    wizardStep: integer("wizard_step").notNull().default(1),
    sourceKind: text("source_kind", { enum: sourceKinds }),
    /** URL without credentials; null for uploads. */
    location: text("location"),
    login: text("login"),
    /** AES-256-GCM envelope of {password?, privateKey?, passphrase?}; never sent to a browser. */
    secretEnc: text("secret_enc"),
    folderMode: text("folder_mode", { enum: folderModes }).notNull().default("newest"),
    /** Pinned TLS certificate SHA-256 (for self-signed servers), "AA:BB:..". */
    tlsFingerprint: text("tls_fingerprint"),
    /** Pinned SFTP host key SHA-256, set on first successful connection. */
    hostKeyFingerprint: text("host_key_fingerprint"),
    uploadId: uuid("upload_id"),
    hasHeader: boolean("has_header").notNull().default(true),
    delimiter: text("delimiter").notNull().default(","),
    encoding: text("encoding", { enum: encodings }).notNull().default("auto"),
    mapping: jsonb("mapping").$type<Mapping>(),
    updateExisting: boolean("update_existing").notNull().default(true),
    deleteMissing: boolean("delete_missing").notNull().default(false),
    alwaysImport: boolean("always_import").notNull().default(false),
    errorEmail: text("error_email"),
    safetyThresholdPct: numeric("safety_threshold_pct", { precision: 5, scale: 2, mode: "number" })
      .notNull()
      .default(10),
    guards: jsonb("guards").$type<Guards>().notNull().default({}),
    schedule: jsonb("schedule").$type<Schedule>(),
    nextRunAt: timestamp("next_run_at", { withTimezone: true }),
    /** Fingerprint of the last successfully applied source version. */
    lastFingerprint: jsonb("last_fingerprint").$type<Fingerprint>(),
    allowPrivateHosts: boolean("allow_private_hosts").notNull().default(false),
    /** ZIP archives with several members: the member to read (a name or a wildcard matching one). */
    zipMember: text("zip_member"),
    /** FTP/FTPS/SFTP: seconds a recently modified file must stay unchanged before it is read. */
    settleSeconds: integer("settle_seconds").notNull().default(30),
    /** FTP/FTPS/SFTP: a file is taken only when name + this suffix exists beside it (".done"). */
    readyMarker: text("ready_marker"),
    /** FTP/FTPS/SFTP, after an applied run: "leave", "delete" or "move:FOLDER". */
    afterImport: text("after_import").notNull().default("leave"),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    deletedAt: timestamp("deleted_at", { withTimezone: true }),
    /** The wizard's not-yet-live edit of an active sync (see PendingEdit); null when none. */
    pendingEdit: jsonb("pending_edit").$type<PendingEdit>(),
  },
  (t) => [
    index("syncs_manager_idx").on(t.managerId),
    index("syncs_due_idx").on(t.nextRunAt).where(sql`${t.state} = 'active' and ${t.nextRunAt} is not null`),
    uniqueIndex("syncs_origin_key_idx").on(t.originKey),
  ],
);

export const runs = pgTable(
  "runs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    syncId: uuid("sync_id")
      .notNull()
      .references(() => syncs.id, { onDelete: "cascade" }),
    trigger: text("trigger", { enum: runTriggers }).notNull(),
    status: text("status", { enum: runStatuses }).notNull().default("queued"),
    dryRun: boolean("dry_run").notNull().default(false),
    /** The schedule occurrence this run stands for (scheduled runs). */
    scheduledFor: timestamp("scheduled_for", { withTimezone: true }),
    requestedBy: uuid("requested_by").references(() => users.id, { onDelete: "set null" }),
    /** For an approval run: the blocked run it approves. */
    approvesRunId: uuid("approves_run_id"),
    sourceName: text("source_name"),
    fingerprint: jsonb("fingerprint").$type<Fingerprint>(),
    created: integer("created").notNull().default(0),
    updated: integer("updated").notNull().default(0),
    deleted: integer("deleted").notNull().default(0),
    unchanged: integer("unchanged").notNull().default(0),
    errorCount: integer("error_count").notNull().default(0),
    rowsRead: bigint("rows_read", { mode: "number" }).notNull().default(0),
    bytesRead: bigint("bytes_read", { mode: "number" }).notNull().default(0),
    bytesTotal: bigint("bytes_total", { mode: "number" }),
    message: text("message"),
    /** Something that went wrong after the import was applied (the after-import move/delete); shown and emailed. */
    warning: text("warning"),
    queuedAt: timestamp("queued_at", { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    heartbeatAt: timestamp("heartbeat_at", { withTimezone: true }),
    revertedAt: timestamp("reverted_at", { withTimezone: true }),
    revertedBy: uuid("reverted_by"),
    /** Blocked and dry runs: the first contacts the plan would delete and update (run_plan_items has all). */
    planSample: jsonb("plan_sample").$type<PlanSample>(),
  },
  (t) => [
    index("runs_sync_queued_idx").on(t.syncId, t.queuedAt),
    index("runs_active_idx").on(t.status).where(sql`${t.status} in ('queued','running')`),
    // One active run per sync, enforced by the database.
    uniqueIndex("runs_one_active_per_sync_idx").on(t.syncId).where(sql`${t.status} in ('queued','running')`),
  ],
);

/** Changed fields of an updated contact: label → [old, new] ("" for empty; a password shows "changed"). */
export type FieldChanges = Record<string, [string, string]>;
export type PlanSample = { deleted: string[]; updated: { key: string; changes: FieldChanges }[] };

/** The full lists behind a plan sample (blocked and dry runs), for the run page's CSV downloads. */
export const runPlanItems = pgTable(
  "run_plan_items",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    runId: uuid("run_id")
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    change: text("change", { enum: ["deleted", "updated"] }).notNull(),
    key: text("key").notNull(),
    changes: jsonb("changes").$type<FieldChanges>(),
  },
  (t) => [index("run_plan_items_run_idx").on(t.runId, t.change, t.id)],
);

export const runErrors = pgTable(
  "run_errors",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    runId: uuid("run_id")
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    line: integer("line"),
    column: text("column"),
    message: text("message").notNull(),
  },
  (t) => [index("run_errors_run_idx").on(t.runId, t.id)],
);

/** Files already imported by "every new file" syncs. */
export const importedFiles = pgTable(
  "imported_files",
  {
    syncId: uuid("sync_id")
      .notNull()
      .references(() => syncs.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    size: bigint("size", { mode: "number" }).notNull(),
    mtime: text("mtime").notNull(),
    runId: uuid("run_id"),
    importedAt: timestamp("imported_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("imported_files_key_idx").on(t.syncId, t.name, t.size, t.mtime)],
);

/** Uploaded files live in Postgres, in chunks, so any instance can run them. */
export const uploads = pgTable("uploads", {
  id: uuid("id").primaryKey().defaultRandom(),
  filename: text("filename").notNull(),
  size: bigint("size", { mode: "number" }).notNull().default(0),
  sha256: text("sha256"),
  complete: boolean("complete").notNull().default(false),
  createdBy: uuid("created_by"),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export const uploadChunks = pgTable(
  "upload_chunks",
  {
    uploadId: uuid("upload_id")
      .notNull()
      .references(() => uploads.id, { onDelete: "cascade" }),
    seq: integer("seq").notNull(),
    data: bytea("data").notNull(),
  },
  (t) => [uniqueIndex("upload_chunks_pk").on(t.uploadId, t.seq)],
);

/** Outbox of notification emails: every message and its delivery result. */
export const notifications = pgTable(
  "notifications",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    runId: uuid("run_id"),
    to: text("to").notNull(),
    subject: text("subject").notNull(),
    body: text("body").notNull(),
    status: text("status", { enum: ["pending", "sent", "failed", "logged"] })
      .notNull()
      .default("pending"),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }).notNull().defaultNow(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp("sent_at", { withTimezone: true }),
  },
  (t) => [index("notifications_pending_idx").on(t.nextAttemptAt).where(sql`${t.status} = 'pending'`)],
);

export type Sync = typeof syncs.$inferSelect;
export type NewSync = typeof syncs.$inferInsert;
export type Run = typeof runs.$inferSelect;
export type RunError = typeof runErrors.$inferSelect;
