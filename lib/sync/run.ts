/**
 * The sync engine's only entry point (lib/sync/README.md): source → decode → parse → validate → stage → plan →
 * safety check → apply → report. Pages, the CLI, "Go" and the scheduler all call runSync / queueRun +
 * executeRun; none of them re-implements a stage.
 */
import { asc, eq } from "drizzle-orm";
import type postgres from "postgres";
import { getDb, getSql } from "@/db/client";
import {
  fields as fieldsTable,
  runs,
  syncs,
  type Field,
  type Fingerprint,
  type MappedColumn,
  type Mapping,
  type Run,
  type Sync,
} from "@/db/schema";
import { searchFieldIds } from "@/lib/contacts/search-text";
import { env } from "@/lib/env";
import { AppError, isAppError, notFound, violatedUniqueConstraint } from "@/lib/errors";
import { type Logger, logger } from "@/lib/log";
import { notifyRunFinished } from "@/lib/notify";
import { applyAfterImport, listFiles, openSource, parseAfterImport } from "@/lib/sources";
import type { OpenedSource, RemoteFile } from "@/lib/sources/types";
import {
  applyPlan,
  assertKeyTypeUnchanged,
  countAppliedContacts,
  hashNewPasswords,
  lockManager,
  throughKeyIndex,
} from "@/lib/sync/apply";
import { type OpenedCsv, openCsv, rowValidator } from "@/lib/sync/csv";
import { guardsInForce } from "@/lib/sync/guards";
import { type FieldGroups, fieldGroups, withRulesByLabel } from "@/lib/sync/merge-rules";
import { emptyPlanSample, keepPlanSample } from "@/lib/sync/plan-sample";
import {
  approvalBlock,
  buildPlan,
  directPlan,
  generateKeys,
  markDuplicates,
  guardBlock,
  type ApprovedPlan,
  type Plan,
} from "@/lib/sync/plan";
import {
  claimRun,
  describe,
  ErrorCollector,
  finishRun,
  MAX_STORED_ERRORS,
  recordProgress,
  runOutcome,
  summaryFingerprintOf,
  toSummary,
  zeroCounts,
  type RunOutcome,
  type RunSummary,
} from "@/lib/sync/report";
import { buildSourceSpec } from "@/lib/sync/source";
import { DirectPathAbandoned, directText, missingText, stageText } from "@/lib/sync/rows";
import { type KnownContacts, loadKnownContacts, MAX_KNOWN_CONTACTS } from "@/lib/sync/known-contacts";
import { CONTACT_COLUMNS, STAGE_COLUMNS } from "@/lib/sync/encode";
import { mappingTag, rowHasher } from "@/lib/sync/row-hash";
import { copyText, createStage } from "@/lib/sync/stage";
import { isConnectionLost, withRunTransaction } from "@/lib/sync/transaction";
import { trackRun } from "@/lib/sync/active-runs";
import { resolveRowPlan, type RowPlan } from "@/lib/sync/validate";
import { isUuid, labelKey, nameKey } from "@/lib/vocabulary";

export type { RunSummary } from "@/lib/sync/report";
export type RunTrigger = "upload" | "manual" | "wizard" | "schedule" | "cli" | "approval";
export type RunRequest = {
  syncId: string;
  trigger: RunTrigger;
  requestedBy?: string;
  dryRun?: boolean;
  scheduledFor?: Date;
  approvesRunId?: string;
};

type Tx = postgres.Sql;

/** Queue then execute a run, and wait for it. */
export async function runSync(opts: RunRequest): Promise<RunSummary> {
  const runId = await queueRun(opts);
  return executeRun(runId);
}

/**
 * Insert a queued run. The database allows one queued/running run per sync (runs_one_active_per_sync_idx):
 * a second request is refused with AppError "run_active" (409).
 */
export async function queueRun(opts: RunRequest): Promise<string> {
  const db = getDb();
  if (!isUuid(opts.syncId)) throw notFound("import");
  const [sync] = await db.select().from(syncs).where(eq(syncs.id, opts.syncId));
  if (!sync || sync.state === "deleted") throw notFound("import");
  // A draft may only be tried out: a dry run is the wizard's review before the import goes live.
  if (sync.state !== "active" && !(opts.dryRun && sync.state === "draft"))
    throw new AppError("not_ready", "Finish setting up this import before running it.");
  if (opts.trigger === "approval") {
    if (!opts.approvesRunId)
      throw new AppError("invalid_request", "An approval run needs the blocked run it approves.");
    const [blocked] = await db.select().from(runs).where(eq(runs.id, opts.approvesRunId));
    if (!blocked || blocked.syncId !== sync.id || blocked.status !== "blocked")
      throw new AppError("not_blocked", "Only a run of this import that the safety rule blocked can be approved.");
  }
  try {
    const [run] = await db
      .insert(runs)
      .values({
        syncId: sync.id,
        trigger: opts.trigger,
        dryRun: opts.dryRun ?? false,
        scheduledFor: opts.scheduledFor ?? null,
        requestedBy: opts.requestedBy ?? null,
        approvesRunId: opts.approvesRunId ?? null,
      })
      .returning({ id: runs.id });
    return run.id;
  } catch (e) {
    const constraint = violatedUniqueConstraint(e);
    if (constraint === "" || constraint === "runs_one_active_per_sync_idx")
      throw new AppError("run_active", "This import is already running. Wait for it to finish.");
    throw e;
  }
}

/** Thrown inside the transaction to roll it back with a finished outcome (dry run, blocked, unchanged). */
class Rollback {
  constructor(readonly outcome: RunOutcome) {}
}

type Context = {
  run: Run;
  sync: Sync;
  fields: Field[];
  progress: { rowsRead: number; bytesRead: number; bytesTotal: number | null };
  /** Rows parsed and bytes decoded so far of the file being read (set while it is read). */
  live?: () => { rows: number; bytes: number };
  /** This run's logger: every line carries its runId and syncId. */
  log: Logger;
};

/**
 * Execute a queued run to its end and record it. Never throws for a failing import: the run is recorded
 * as failed with a reason. In every-new-file mode, further new files are then imported as their own runs
 * (oldest first); the summary returned is the one of `runId`.
 */
export type ExecuteOptions = {
  /**
   * A dry run of a definition that is not live yet (the wizard's review of a draft or of an unfinished edit):
   * these columns are read over the stored sync's. Ignored for real runs.
   */
  definition?: Partial<Sync>;
};

export async function executeRun(runId: string, options: ExecuteOptions = {}): Promise<RunSummary> {
  if (!(await claimRun(getSql(), runId)))
    throw new AppError("run_not_queued", "This run is not waiting to be executed.");
  // Registered for a graceful shutdown (lib/shutdown.ts), which waits for it or marks it failed.
  return trackRun(runId, executeClaimed(runId, options));
}

async function executeClaimed(runId: string, options: ExecuteOptions): Promise<RunSummary> {
  const sql = getSql();
  const db = getDb();
  const [run] = await db.select().from(runs).where(eq(runs.id, runId));
  const [stored] = await db.select().from(syncs).where(eq(syncs.id, run.syncId));
  const reviewing = run.dryRun && !!options.definition;
  const sync =
    stored && reviewing ? { ...stored, ...options.definition, id: stored.id, managerId: stored.managerId } : stored;
  if (!sync || sync.state === "deleted") {
    const gone = failedOutcome(null, new AppError("not_found", "This import was deleted before it could run."));
    await finishRun(sql, runId, gone);
    return toSummary(runId, gone);
  }
  const fieldList = await db
    .select()
    .from(fieldsTable)
    .where(eq(fieldsTable.managerId, sync.managerId))
    .orderBy(asc(fieldsTable.position));
  const ctx: Context = {
    run,
    sync,
    fields: fieldList,
    progress: { rowsRead: 0, bytesRead: 0, bytesTotal: null },
    log: logger.child({ runId, syncId: sync.id }),
  };

  let ticking: Promise<void> = Promise.resolve();
  const ticker = setInterval(() => {
    // The live counters of the file being read: bytes and rows move while a slow download arrives, long
    // before its first batch of rows is full and counted (ctx.progress.rowsRead).
    const live = ctx.live?.();
    const progress = live
      ? {
          ...ctx.progress,
          rowsRead: Math.max(ctx.progress.rowsRead, live.rows),
          bytesRead: Math.max(ctx.progress.bytesRead, live.bytes),
        }
      : ctx.progress;
    ticking = recordProgress(sql, runId, progress).catch((e) => ctx.log.warn("progress update failed", { err: e }));
  }, 1000);
  const stopTicker = async () => {
    clearInterval(ticker);
    await ticking;
  };

  let outcome: RunOutcome;
  let recorded = false;
  let moreFiles = false;
  let importedFile: RemoteFile | undefined;
  try {
    const result = await importOnce(ctx, stopTicker);
    outcome = result.outcome;
    recorded = result.recorded;
    moreFiles = result.moreFiles;
    importedFile = result.importedFile;
  } catch (e) {
    outcome = failedOutcome(ctx, e);
  } finally {
    await stopTicker();
  }
  if (!recorded) await finishRun(sql, runId, outcome);
  await runAfterImport(ctx, outcome, importedFile);

  const [finished] = await db.select().from(runs).where(eq(runs.id, runId));
  if (finished) await notifyRunFinished(finished);

  if (moreFiles && outcome.status !== "failed" && !reviewing) {
    try {
      const next = await queueRun({
        syncId: sync.id,
        trigger: run.trigger,
        requestedBy: run.requestedBy ?? undefined,
        dryRun: run.dryRun,
      });
      await executeRun(next);
    } catch (e) {
      logger.warn("could not continue with the next new file", { syncId: sync.id, err: e });
    }
  }
  return toSummary(runId, outcome);
}

/**
 * The sync's after-import action (move/delete on FTP/FTPS/SFTP), only once a run applied its file
 * (succeeded or completed_with_errors, not a dry run). A failure leaves the import applied and is kept as
 * the run's warning (shown, and mailed with the run's email).
 */
async function runAfterImport(ctx: Context, outcome: RunOutcome, file: RemoteFile | undefined): Promise<void> {
  const applied = outcome.status === "succeeded" || outcome.status === "completed_with_errors";
  if (!applied || ctx.run.dryRun || !file || !ctx.sync.afterImport || ctx.sync.afterImport === "leave") return;
  let warning: string;
  try {
    const done = await applyAfterImport(buildSourceSpec(ctx.sync), file, parseAfterImport(ctx.sync.afterImport));
    if (done) ctx.log.info("after-import action done", { done });
    return;
  } catch (e) {
    const what = ctx.sync.afterImport === "delete" ? "delete" : `move (${ctx.sync.afterImport.slice(5)})`;
    warning = `The import was applied, but the after-import ${what} of ${file.path} failed: ${isAppError(e) ? e.message : "internal error (logged)"}`;
    if (!isAppError(e)) ctx.log.error("after-import action failed", { err: e });
  }
  await getSql()`update runs set warning = ${warning} where id = ${ctx.run.id}`;
}

function failedOutcome(ctx: Context | null, e: unknown): RunOutcome {
  let message: string;
  if (isAppError(e)) message = e.message;
  else if (isConnectionLost(e))
    message = "The database connection was lost during the import. Nothing was changed; run it again.";
  else message = "The import failed because of an internal error (it has been logged). Nothing was changed.";
  if (!isAppError(e)) (ctx?.log ?? logger).error("run failed", { err: e });
  return runOutcome("failed", message, {
    rowsRead: ctx?.progress.rowsRead ?? 0,
    bytesRead: ctx?.progress.bytesRead ?? 0,
  });
}

/** Same source version as the last applied one? (content hash when both have it, else the server's marks) */
export function sameFingerprint(prev: Fingerprint | null | undefined, cur: Fingerprint): boolean {
  if (!prev) return false;
  if (prev.sha256 && cur.sha256) return prev.sha256 === cur.sha256;
  if (prev.etag && cur.etag) return prev.etag === cur.etag;
  if (prev.size !== undefined && prev.mtime && cur.mtime)
    return prev.size === cur.size && prev.mtime === cur.mtime && prev.name === cur.name;
  if (prev.lastModified && cur.lastModified) return prev.lastModified === cur.lastModified && prev.size === cur.size;
  return false;
}

async function pickNewFiles(sync: Sync, files: RemoteFile[]): Promise<RemoteFile[]> {
  const seen = await getSql()<{ name: string; size: string; mtime: string }[]>`
    select name, size, mtime from imported_files where sync_id = ${sync.id}`;
  const done = new Set(seen.map((f) => `${f.name}\0${Number(f.size)}\0${f.mtime}`));
  return files
    .filter((f) => !done.has(`${f.name}\0${f.size}\0${f.mtime}`))
    .sort((a, b) => (a.mtime < b.mtime ? -1 : a.mtime > b.mtime ? 1 : a.name.localeCompare(b.name)));
}

async function importOnce(
  ctx: Context,
  stopTicker: () => Promise<void>,
): Promise<{ outcome: RunOutcome; recorded: boolean; moreFiles: boolean; importedFile?: RemoteFile }> {
  const { run, sync } = ctx;
  const spec = buildSourceSpec(sync);
  const everyNew = sync.folderMode === "every_new" && spec.kind !== "upload" && spec.kind !== "file";
  // In "every new file" mode a file is new by name, size and time (imported_files), never by content: a delta
  // file with the same content as the last one ("no changes today") is still imported — it changes nothing —
  // and recorded, so the next new file can follow. Judged unchanged, it would be picked again and again.
  const force = sync.alwaysImport || run.trigger === "approval" || run.dryRun || everyNew;
  const previous = force ? null : sync.lastFingerprint;
  const nothingRead = (message: string, fingerprint: Fingerprint | null, sourceName: string | null) =>
    runOutcome("skipped_unchanged", message, {
      fingerprint,
      sourceName,
      summaryFingerprint: summaryFingerprintOf(spec.kind, sync.hostKeyFingerprint, fingerprint),
    });

  let file: RemoteFile | undefined;
  let moreFiles = false;
  if (everyNew) {
    const fresh = await pickNewFiles(sync, await listFiles(spec));
    if (fresh.length === 0)
      return {
        outcome: nothingRead("No new file to import.", null, null),
        recorded: false,
        moreFiles: false,
      };
    file = fresh[0];
    moreFiles = fresh.length > 1;
  }

  // The direct path (rows.ts) may give up on a file with duplicate keys; the file is then read again.
  for (const direct of [true, false]) {
    const opened = await openSource(spec, { previous, file });
    if (opened.unchanged) {
      const o = nothingRead(
        opened.notReady ??
          (opened.hashed
            ? "The file's content has not changed since the last import (same SHA-256); no row was read."
            : "The file has not changed since the last import; nothing was read."),
        opened.fingerprint,
        opened.name,
      );
      return { outcome: o, recorded: false, moreFiles };
    }
    const source = opened.source;
    const fieldsBefore = [...ctx.fields];
    try {
      const result = await readAndApply(ctx, source, { previous, file, spec: { kind: spec.kind }, direct }, stopTicker);
      return { ...result, moreFiles, importedFile: source.file };
    } catch (e) {
      if (!(direct && isDirectPathGiveUp(e))) throw e;
      ctx.log.info("first import has duplicate keys: reading the file again on the stage path", {
        reason: String(e),
      });
      ctx.progress.rowsRead = 0;
      ctx.live = undefined;
      ctx.progress.bytesRead = 0;
      // Fields auto-mapping created in the rolled-back attempt are gone: the next attempt creates them anew.
      ctx.fields = fieldsBefore;
    } finally {
      await source.close().catch(() => {});
    }
  }
  throw new Error("unreachable: the stage path never gives up");
}

/** The records of `iterator`, starting with the one already read. */
async function* resume<T>(first: IteratorResult<T>, iterator: AsyncIterator<T>): AsyncGenerator<T> {
  for (let next = first; !next.done; next = await iterator.next()) yield next.value;
}

/** No contact at all, not even a deleted one (whose key would come back as a revived contact). */
async function managerIsEmpty(tx: Tx, managerId: string): Promise<boolean> {
  const rows = await throughKeyIndex(tx, () => tx`select 1 from contacts where manager_id = ${managerId} limit 1`);
  return rows.length === 0;
}

/**
 * The direct path met a duplicate key: found by the row encoder, or refused by the unique index (23505, or
 * "copy_refused" when the refusal came after the last row — stage.ts). Any other cause shows up again on
 * the stage path, with its own message.
 */
function isDirectPathGiveUp(e: unknown): boolean {
  const code = (e as { code?: string })?.code;
  return e instanceof DirectPathAbandoned || code === "23505" || code === "copy_refused";
}

/**
 * Map every column to the field of the same name (CLI without --map), by the same rule as the wizard's
 * pre-mapping (`nameKey`: "First_Name" feeds "First Name"); a field feeds one column at most. Columns no
 * field matches get a new text field.
 */
async function autoMapColumns(
  tx: Tx,
  ctx: Context,
  columns: string[],
  keyColumn: string | null,
  opColumn: string | null,
): Promise<MappedColumn[]> {
  const byName = new Map(ctx.fields.map((f) => [nameKey(f.label), f]));
  const used = new Set<string>();
  const out: { column: string; fieldId: string }[] = [];
  let position = ctx.fields.reduce((m, f) => Math.max(m, f.position), -1);
  for (const column of columns) {
    if (opColumn && labelKey(column) === labelKey(opColumn)) continue; // the operation column feeds no field
    const existing = byName.get(nameKey(column));
    if (existing) {
      if (existing.role !== "key" && !used.has(existing.id)) out.push({ column, fieldId: existing.id });
      used.add(existing.id);
      continue;
    }
    if (keyColumn && labelKey(column) === labelKey(keyColumn)) continue; // the key column feeds Unique Key only
    const [created] = await tx<Field[]>`
      insert into fields (manager_id, label, type, position) values (${ctx.sync.managerId}, ${column.trim()}, 'text', ${++position})
      returning id, manager_id as "managerId", label, type, role, position, created_at as "createdAt"`;
    ctx.fields.push(created);
    byName.set(nameKey(column), created);
    used.add(created.id);
    out.push({ column, fieldId: created.id });
  }
  // Merge and empty-cell rules given on the CLI by field label.
  const byId = new Map(ctx.fields.map((f) => [f.id, f]));
  const { columns: ruled, unmatched } = withRulesByLabel(out, ctx.sync.mapping?.autoRules ?? [], (id) => byId.get(id));
  if (unmatched.length)
    throw new AppError(
      "rule_field_missing",
      `The file has no column for ${unmatched.map((l) => `"${l}"`).join(", ")}: a merge or empty-cell rule needs a mapped field. Nothing was changed.`,
    );
  return ruled;
}

/** What a run reads its file with, and how it will judge it: set up before the transaction opens. */
type Prepared = {
  mapping: Mapping;
  autoKey: boolean;
  updateExisting: boolean;
  deleteMissing: boolean;
  csv: OpenedCsv;
  /** What the source said of the file's version before it was read (etag, size, time…). */
  sourceFingerprint: Fingerprint;
  collector: ErrorCollector;
  seenHostKey: string | null;
  /** Bytes read so far: an archive's compressed bytes (the size the server announced), else the file's. */
  bytesDone: () => number;
  /** The content hash of the file as stored: an archive's own (compressed) bytes. */
  contentSha256: () => string;
  /** The outcome of this run so far, with the given status, counts and message. */
  outcome: (status: RunOutcome["status"], counts: RunOutcome["counts"], message: string, fp: Fingerprint) => RunOutcome;
  /** Times of the phases, logged at debug level. */
  mark: (phase: string) => void;
  phases: Record<string, number>;
};

/** The file as loaded into the database (stage, or `contacts` on the direct path). */
type Loaded = {
  rowPlan: RowPlan;
  mappedFieldIds: string[];
  /** The mapped fields by merge rule. */
  groups: FieldGroups;
  direct: boolean;
  valid: number;
  /** Direct path: valid rows whose operation column says delete (nothing to delete in an empty manager). */
  deletes: number;
  /** The manager's live contacts when the rows were compared with them in Node (a re-sync), else null. */
  live: number | null;
  /** Rows in the stage (a re-sync leaves unchanged ones out). */
  staged: number;
  fingerprint: Fingerprint;
};

/** What the run will write, once the rules let it. */
type Decision = {
  plan: Plan;
  counts: RunOutcome["counts"];
  status: "succeeded" | "completed_with_errors";
  message: string;
};

type ReadOptions = {
  previous: Fingerprint | null | undefined;
  file?: RemoteFile;
  spec: { kind: string };
  direct: boolean;
};

/**
 * One reading of the file, in one transaction: prepare → load → decide → commit. A rule that stops the run
 * (unchanged file, safety rule, dry run) rolls the transaction back with its outcome (`Rollback`).
 */
async function readAndApply(
  ctx: Context,
  source: OpenedSource,
  o: ReadOptions,
  stopTicker: () => Promise<void>,
): Promise<{ outcome: RunOutcome; recorded: boolean }> {
  const prepared = prepare(ctx, source, o);
  try {
    const result = await withRunTransaction(
      async (tx) => {
        const loaded = await load(tx, ctx, prepared, o.direct);
        const decision = await decide(tx, ctx, prepared, loaded, o.previous);
        const outcome = await commit(tx, ctx, prepared, loaded, decision, o, stopTicker);
        ctx.log.debug("run phases (ms since start)", {
          rows: ctx.progress.rowsRead,
          ...prepared.phases,
        });
        return { outcome, recorded: true };
      },
      { name: `contact-sync run ${ctx.run.id}` },
    );
    await refreshStatisticsAfter(result.outcome.counts);
    return result;
  } catch (e) {
    if (e instanceof Rollback) return { outcome: e.outcome, recorded: false };
    throw e;
  }
}

/** Prepare: the sync's options as this run applies them, and the file opened as CSV (nothing read yet). */
function prepare(ctx: Context, source: OpenedSource, o: ReadOptions): Prepared {
  const { sync } = ctx;
  const mapping = sync.mapping;
  if (!mapping)
    throw new AppError("mapping_missing", "This import has no column mapping yet. Finish its set-up first.");
  const autoKey = mapping.autoKey;
  ctx.progress.bytesTotal = source.size ?? null;
  const csv = openCsv(source.stream as AsyncIterable<Buffer>, sync, { maxBytes: env.SOURCE_MAX_BYTES });
  const collector = new ErrorCollector();
  const seenHostKey = source.seenHostKey ?? null;
  const bytesDone = () => source.compressed?.bytes() ?? csv.decoded.stats.bytes;
  ctx.live = () => ({ rows: csv.parsed.stats.rows, bytes: bytesDone() });
  const t0 = performance.now();
  const phases: Record<string, number> = {};
  return {
    mapping,
    autoKey,
    updateExisting: sync.updateExisting && !autoKey,
    deleteMissing: sync.deleteMissing && !autoKey && sync.folderMode !== "every_new",
    csv,
    sourceFingerprint: source.fingerprint,
    collector,
    seenHostKey,
    bytesDone,
    contentSha256: () => source.compressed?.sha256() ?? csv.decoded.stats.sha256(),
    outcome: (status, counts, message, fp) =>
      runOutcome(status, message, {
        counts,
        errors: collector.kept,
        errorTotal: collector.total,
        fingerprint: fp,
        sourceName: source.name,
        rowsRead: ctx.progress.rowsRead,
        bytesRead: bytesDone(),
        summaryFingerprint: summaryFingerprintOf(o.spec.kind, seenHostKey ?? sync.hostKeyFingerprint, fp),
      }),
    mark: (phase) => {
      phases[phase] = Math.round(performance.now() - t0);
    },
    phases,
  };
}

/**
 * Load: read every row, check it, and COPY the valid ones into the stage, or straight into `contacts` (the
 * first import into a manager without any contact, not even deleted ones: nothing to compare with, and no
 * second copy of every row; passwords need hashing and generated keys need SQL, so those take the stage
 * path). Then generated keys or duplicate keys, and the file's fingerprint.
 */
async function load(tx: Tx, ctx: Context, p: Prepared, tryDirect: boolean): Promise<Loaded> {
  const { run, sync } = ctx;
  const { parsed } = p.csv;
  const iterator = parsed.batches[Symbol.asyncIterator]();
  const first = await iterator.next();
  const columns = await parsed.columns;
  if (!columns)
    throw new AppError("empty_file", "The file is empty: it has no header and no rows. Nothing was changed.");
  const columnMapping = p.mapping.autoMap
    ? await autoMapColumns(tx, ctx, columns, p.mapping.keyColumn, p.mapping.opColumn ?? null)
    : p.mapping.columns;
  const rowPlan = resolveRowPlan(columns, { ...p.mapping, columns: columnMapping }, ctx.fields);
  const keyColumn = rowPlan.key?.column ?? null;
  const rowOptions = {
    plan: rowPlan,
    hasher: await rowHasher(mappingTag(rowPlan)),
    validate: rowValidator(rowPlan),
    collector: p.collector,
    onRow: () => {
      if ((++ctx.progress.rowsRead & 1023) === 0) ctx.progress.bytesRead = p.bytesDone();
    },
  };
  const batches = resume(first, iterator);

  await createStage(tx);
  const [{ pid: backendPid }] = await tx<{ pid: number }[]>`select pg_backend_pid() as pid`;
  // The manager's lock, held from here to the commit: what the rows are compared with stays as it was read.
  const contactCount = await lockManager(tx, sync.managerId);
  const direct = tryDirect && keyColumn !== null && !rowPlan.password && (await managerIsEmpty(tx, sync.managerId));
  let valid: number;
  let deletes = 0;
  let live: number | null = null;
  let staged = 0;
  if (direct) {
    const rows = directText(batches, { ...rowOptions, managerId: sync.managerId, runId: run.id });
    await copyText(tx, `contacts (${CONTACT_COLUMNS})`, rows.text, { backendPid });
    valid = rows.counts.valid;
    deletes = rows.counts.deletes;
    p.mark("copied");
  } else {
    // A re-sync compares rows with the manager's contacts as they stream in (known-contacts.ts); a manager
    // too big for that index is compared in SQL (plan.ts).
    let known: KnownContacts | null = null;
    if (keyColumn !== null && !p.autoKey && contactCount <= MAX_KNOWN_CONTACTS) {
      known = await loadKnownContacts(tx, sync.managerId, rowOptions.hasher.tag, contactCount);
      live = known.size;
      p.mark("known");
    }
    const rows = stageText(batches, { ...rowOptions, known });
    await copyText(tx, `stage (${STAGE_COLUMNS})`, rows.text, { backendPid });
    valid = rows.counts.valid;
    staged = rows.counts.rows - rows.counts.unchanged;
    p.mark("staged");
    if (known && p.deleteMissing) await copyText(tx, "missing (key_norm)", missingText(known), { backendPid });
    if (p.autoKey) await generateKeys(tx, sync.managerId);
    else if (keyColumn) {
      const dups = await markDuplicates(tx, keyColumn, MAX_STORED_ERRORS, rows.candidates.keys);
      if (dups.total) {
        p.collector.merge(dups.errors, dups.total);
        // Rows left out as unchanged are valid; one staged after all (`unchanged`) is counted among them.
        const [{ stagedValid }] = await tx<{ stagedValid: number }[]>`
          select count(*)::int as "stagedValid" from stage where valid and not unchanged`;
        valid = rows.counts.unchanged + stagedValid;
      }
    }
    p.mark("keys");
  }
  ctx.progress.bytesRead = p.bytesDone();
  return {
    rowPlan,
    // The password lives outside `data`, so only the other mapped fields are replaced on update.
    mappedFieldIds: rowPlan.targets.map((t) => t.field.id),
    // Each under its merge and empty-cell rules (merge-rules.ts).
    groups: fieldGroups(rowPlan.targets.map((t) => ({ fieldId: t.field.id, rules: t.rules }))),
    direct,
    valid,
    deletes,
    live,
    staged,
    fingerprint: { ...p.sourceFingerprint, sha256: p.contentSha256() },
  };
}

/**
 * Decide: what the run would write (the plan), and whether it may: an unchanged file, the safety rule, an
 * approval that no longer matches and a dry run each end the run here, rolled back with their outcome.
 */
async function decide(
  tx: Tx,
  ctx: Context,
  p: Prepared,
  loaded: Loaded,
  previous: Fingerprint | null | undefined,
): Promise<Decision> {
  const { run, sync } = ctx;
  const { fingerprint, direct, valid, rowPlan } = loaded;
  // Sources that cannot tell "unchanged" before reading (HTTP without validators, ...): the content hash.
  if (previous && sameFingerprint(previous, fingerprint))
    throw new Rollback(
      p.outcome("skipped_unchanged", zeroCounts(), "The file has not changed since the last import.", fingerprint),
    );

  if (rowPlan.key) await assertKeyTypeUnchanged(tx, sync.managerId, rowPlan.key.type);
  const guards = guardsInForce(
    { ...sync.guards, thresholdPct: Number(sync.safetyThresholdPct) },
    { trigger: run.trigger, deleteMissing: p.deleteMissing, given: sync.guards.given },
  );
  const plan: Plan = direct
    ? directPlan(valid, loaded.deletes)
    : await buildPlan(tx, {
        managerId: sync.managerId,
        mappedFieldIds: loaded.mappedFieldIds,
        groups: loaded.groups,
        passwordMerge: rowPlan.password?.merge ?? null,
        updateExisting: p.updateExisting,
        deleteMissing: p.deleteMissing,
        valid,
        countExisting: guards !== null,
        live: loaded.live,
        staged: loaded.staged,
      });
  const counts = { created: plan.created, updated: plan.updated, deleted: plan.deleted, unchanged: plan.unchanged };
  const status = p.collector.total > 0 ? "completed_with_errors" : "succeeded";
  const message = describe({
    ...counts,
    errorTotal: p.collector.total,
    skippedRows: ctx.progress.rowsRead - valid,
    notUpdated: plan.notUpdated,
    dryRun: run.dryRun,
  });

  const blocked =
    run.trigger === "approval"
      ? approvalBlock(plan, await approvedPlan(tx, run), fingerprint.sha256)
      : guardBlock(plan, guards);
  if (blocked || run.dryRun) {
    // Kept for the run page, the API and the CLI: who this plan would delete and update.
    const planSample = direct
      ? emptyPlanSample()
      : await keepPlanSample(tx, {
          runId: run.id,
          fields: rowPlan.targets.map((t) => t.field),
          groups: loaded.groups,
          passwordLabel: rowPlan.password?.label ?? null,
          updateExisting: p.updateExisting,
        });
    const outcome = blocked
      ? p.outcome("blocked", counts, blocked, fingerprint)
      : p.outcome(status, counts, message, fingerprint);
    throw new Rollback({ ...outcome, planSample });
  }
  p.mark("planned");
  return { plan, counts, status, message };
}

/**
 * Commit: write the plan (password hashes, contacts with their revert data, the manager's count) and record
 * what was applied, in the same transaction: a crash leaves no half-recorded state.
 */
async function commit(
  tx: Tx,
  ctx: Context,
  p: Prepared,
  loaded: Loaded,
  decision: Decision,
  o: ReadOptions,
  stopTicker: () => Promise<void>,
): Promise<RunOutcome> {
  const { run, sync } = ctx;
  if (!loaded.direct) {
    if (loaded.rowPlan.password !== null) await hashNewPasswords(tx);
    p.mark("hashed");
    await applyPlan(tx, {
      managerId: sync.managerId,
      runId: run.id,
      mappedFieldIds: loaded.mappedFieldIds,
      groups: loaded.groups,
      updateExisting: p.updateExisting,
      search: searchFieldIds(ctx.fields),
    });
  }
  await countAppliedContacts(tx, sync.managerId, decision.plan);
  p.mark("applied");

  const pinHostKey = o.spec.kind === "sftp" && !sync.hostKeyFingerprint && p.seenHostKey ? p.seenHostKey : null;
  await tx`
    update syncs set last_fingerprint = ${tx.json(loaded.fingerprint as postgres.JSONValue)},
      host_key_fingerprint = coalesce(host_key_fingerprint, ${pinHostKey}), updated_at = now()
    where id = ${sync.id}`;
  if (o.file)
    await tx`
      insert into imported_files (sync_id, name, size, mtime, run_id)
      values (${sync.id}, ${o.file.name}, ${o.file.size}, ${o.file.mtime}, ${run.id}) on conflict do nothing`;
  await stopTicker();
  const outcome = p.outcome(decision.status, decision.counts, decision.message, loaded.fingerprint);
  await finishRun(tx, run.id, outcome);
  p.mark("recorded");
  return outcome;
}

/** The blocked run an approval run approves: its file and planned counts (queueRun checked it exists). */
async function approvedPlan(tx: Tx, run: Run): Promise<ApprovedPlan> {
  const [blocked] = await tx<{ sha256: string | null; updated: number; deleted: number }[]>`
    select fingerprint->>'sha256' as sha256, updated, deleted from runs where id = ${run.approvesRunId}`;
  // Gone (never happens: runs are not deleted while their sync lives): nothing was approved.
  return blocked ?? { sha256: null, updated: 0, deleted: 0 };
}

/** Contacts created by one run above which the planner statistics of `contacts` are refreshed at once. */
const BIG_GROWTH = 50_000;

/**
 * After a big first import the statistics of `contacts` say little about the manager (it looks empty),
 * and pages and the next run would plan for that until autovacuum catches up: refresh them now. Costs a
 * sample of the table (ANALYZE reads at most 30,000 rows), never the run: a failure is only logged. Only the
 * columns queries filter, join or sort on: statistics of the wide `data` took half of the time.
 */
async function refreshStatisticsAfter(counts: RunOutcome["counts"]): Promise<void> {
  if (counts.created < BIG_GROWTH) return;
  await getSql()`analyze contacts (id, manager_id, key_norm, search, deleted_at, deleted_by_run, created_by_run, updated_by_run, updated_at)`.catch(
    (e) => logger.warn("analyze contacts failed", { err: e }),
  );
}
