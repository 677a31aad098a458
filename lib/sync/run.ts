/**
 * The sync engine's only entry point (DESIGN.md): source → decode → parse → validate → stage → plan →
 * safety check → apply → report. Pages, the CLI, "Go" and the scheduler all call runSync / queueRun +
 * executeRun; none of them re-implements a stage.
 */
import { asc, eq } from "drizzle-orm";
import type postgres from "postgres";
import { getDb, getSql } from "@/db/client";
import { fields as fieldsTable, runs, syncs, type Field, type Fingerprint, type Run, type Sync } from "@/db/schema";
import { env } from "@/lib/env";
import { AppError, isAppError, violatedUniqueConstraint } from "@/lib/errors";
import { logger } from "@/lib/log";
import { notifyRunFinished } from "@/lib/notify";
import type { OpenedSource, RemoteFile } from "@/lib/sources/types";
import { applyPlan, assertKeyTypeUnchanged, countAppliedContacts, hashNewPasswords, lockManager } from "./apply";
import { decodeStream } from "./decode";
import { parseCsv } from "./parse";
import {
  approvalBlock,
  buildPlan,
  directPlan,
  generateKeys,
  markDuplicates,
  safetyBlock,
  safetyRuleApplies,
  type ApprovedPlan,
  type Plan,
} from "./plan";
import {
  claimRun,
  describe,
  ErrorCollector,
  finishRun,
  MAX_STORED_ERRORS,
  recordProgress,
  toSummary,
  zeroCounts,
  type RunOutcome,
  type RunSummary,
} from "./report";
import { buildSourceSpec, listSyncFiles, openSyncSource } from "./source";
import { DirectPathAbandoned, directText, stageText } from "./rows";
import { CONTACT_COLUMNS, mappingTag, rowHashSql, STAGE_COLUMNS } from "./encode";
import { copyText, createStage } from "./stage";
import { isConnectionLost, withRunTransaction } from "./transaction";
import { createRowValidator, resolveRowPlan } from "./validate";

export type { RunSummary } from "./report";
export type RunTrigger = "upload" | "manual" | "schedule" | "cli" | "approval";
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
  if (!/^[0-9a-f-]{36}$/i.test(opts.syncId)) throw new AppError("not_found", "Import not found.", 404);
  const [sync] = await db.select().from(syncs).where(eq(syncs.id, opts.syncId));
  if (!sync || sync.state === "deleted") throw new AppError("not_found", "Import not found.", 404);
  if (sync.state !== "active") throw new AppError("not_ready", "Finish setting up this import before running it.", 400);
  if (opts.trigger === "approval") {
    if (!opts.approvesRunId) throw new AppError("invalid_request", "An approval run needs the blocked run it approves.");
    const [blocked] = await db.select().from(runs).where(eq(runs.id, opts.approvesRunId));
    if (!blocked || blocked.syncId !== sync.id || blocked.status !== "blocked")
      throw new AppError("not_blocked", "Only a run of this import that the safety rule blocked can be approved.", 409);
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
      throw new AppError("run_active", "This import is already running. Wait for it to finish.", 409);
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
};

/**
 * Execute a queued run to its end and record it. Never throws for a failing import: the run is recorded
 * as failed with a reason. In every-new-file mode, further new files are then imported as their own runs
 * (oldest first); the summary returned is the one of `runId`.
 */
export async function executeRun(runId: string): Promise<RunSummary> {
  const sql = getSql();
  const db = getDb();
  if (!(await claimRun(sql, runId))) throw new AppError("run_not_queued", "This run is not waiting to be executed.", 409);
  const [run] = await db.select().from(runs).where(eq(runs.id, runId));
  const [sync] = await db.select().from(syncs).where(eq(syncs.id, run.syncId));
  if (!sync || sync.state === "deleted") {
    const gone: RunOutcome = { ...failedOutcome(null, new AppError("not_found", "This import was deleted before it could run.")) };
    await finishRun(sql, runId, gone);
    return toSummary(runId, gone);
  }
  const fieldList = await db.select().from(fieldsTable).where(eq(fieldsTable.managerId, sync.managerId)).orderBy(asc(fieldsTable.position));
  const ctx: Context = { run, sync, fields: fieldList, progress: { rowsRead: 0, bytesRead: 0, bytesTotal: null } };

  let ticking: Promise<void> = Promise.resolve();
  const ticker = setInterval(() => {
    ticking = recordProgress(sql, runId, ctx.progress).catch((e) => logger.warn("progress update failed", { runId, error: String(e) }));
  }, 1000);
  const stopTicker = async () => {
    clearInterval(ticker);
    await ticking;
  };

  let outcome: RunOutcome;
  let recorded = false;
  let moreFiles = false;
  try {
    const result = await importOnce(ctx, stopTicker);
    outcome = result.outcome;
    recorded = result.recorded;
    moreFiles = result.moreFiles;
  } catch (e) {
    outcome = failedOutcome(ctx, e);
  } finally {
    await stopTicker();
  }
  if (!recorded) await finishRun(sql, runId, outcome);

  const [finished] = await db.select().from(runs).where(eq(runs.id, runId));
  if (finished) await notifyRunFinished(finished);

  if (moreFiles && outcome.status !== "failed") {
    try {
      const next = await queueRun({ syncId: sync.id, trigger: run.trigger, requestedBy: run.requestedBy ?? undefined, dryRun: run.dryRun });
      await executeRun(next);
    } catch (e) {
      logger.warn("could not continue with the next new file", { syncId: sync.id, error: String(e) });
    }
  }
  return toSummary(runId, outcome);
}

function failedOutcome(ctx: Context | null, e: unknown): RunOutcome {
  let message: string;
  if (isAppError(e)) message = e.message;
  else if (isConnectionLost(e))
    message = "The database connection was lost during the import. Nothing was changed; run it again.";
  else message = "The import failed because of an internal error (it has been logged). Nothing was changed.";
  if (!isAppError(e)) logger.error("run failed", { runId: ctx?.run.id, syncId: ctx?.sync.id, error: e instanceof Error ? e.stack ?? e.message : String(e) });
  return {
    status: "failed",
    counts: zeroCounts(),
    errors: [],
    errorTotal: 0,
    message,
    fingerprint: null,
    sourceName: null,
    rowsRead: ctx?.progress.rowsRead ?? 0,
    bytesRead: ctx?.progress.bytesRead ?? 0,
    summaryFingerprint: null,
  };
}

/** Same source version as the last applied one? (content hash when both have it, else the server's marks) */
export function sameFingerprint(prev: Fingerprint | null | undefined, cur: Fingerprint): boolean {
  if (!prev) return false;
  if (prev.sha256 && cur.sha256) return prev.sha256 === cur.sha256;
  if (prev.etag && cur.etag) return prev.etag === cur.etag;
  if (prev.size !== undefined && prev.mtime && cur.mtime) return prev.size === cur.size && prev.mtime === cur.mtime && prev.name === cur.name;
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

async function importOnce(ctx: Context, stopTicker: () => Promise<void>): Promise<{ outcome: RunOutcome; recorded: boolean; moreFiles: boolean }> {
  const { run, sync } = ctx;
  const spec = buildSourceSpec(sync);
  const everyNew = sync.folderMode === "every_new" && spec.kind !== "upload" && spec.kind !== "file";
  // In "every new file" mode a file is new by name, size and time (imported_files), never by content: a delta
  // file with the same content as the last one ("no changes today") is still imported — it changes nothing —
  // and recorded, so the next new file can follow. Judged unchanged, it would be picked again and again.
  const force = sync.alwaysImport || run.trigger === "approval" || run.dryRun || everyNew;
  const previous = force ? null : sync.lastFingerprint;
  const base = (status: RunOutcome["status"], message: string, fingerprint: Fingerprint | null, sourceName: string | null): RunOutcome => ({
    status,
    counts: zeroCounts(),
    errors: [],
    errorTotal: 0,
    message,
    fingerprint,
    sourceName,
    rowsRead: 0,
    bytesRead: 0,
    summaryFingerprint: spec.kind === "sftp" ? (sync.hostKeyFingerprint ?? null) : (fingerprint?.sha256 ?? null),
  });

  let file: RemoteFile | undefined;
  let moreFiles = false;
  if (everyNew) {
    const fresh = await pickNewFiles(sync, await listSyncFiles(spec));
    if (fresh.length === 0) return { outcome: base("skipped_unchanged", "No new file to import.", null, null), recorded: false, moreFiles: false };
    file = fresh[0];
    moreFiles = fresh.length > 1;
  }

  // The direct path (rows.ts) may give up on a file with duplicate keys; the file is then read again.
  for (const direct of [true, false]) {
    const opened = await openSyncSource(spec, { previous, file });
    if (opened.unchanged) {
      const o = base("skipped_unchanged", "The file has not changed since the last import; nothing was read.", opened.fingerprint, opened.name);
      return { outcome: o, recorded: false, moreFiles };
    }
    const source = opened.source;
    const fieldsBefore = [...ctx.fields];
    try {
      const result = await readAndApply(ctx, source, { previous, file, spec: { kind: spec.kind }, direct }, stopTicker);
      return { ...result, moreFiles };
    } catch (e) {
      if (!(direct && isDirectPathGiveUp(e))) throw e;
      logger.info("first import has duplicate keys: reading the file again on the stage path", { runId: run.id, reason: String(e) });
      ctx.progress.rowsRead = 0;
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
  const rows = await tx`select 1 from contacts where manager_id = ${managerId} limit 1`;
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

/** Map every column to the field of the same label (CLI without --map); missing fields are created as text. */
async function autoMapColumns(tx: Tx, ctx: Context, columns: string[], keyColumn: string | null): Promise<{ column: string; fieldId: string }[]> {
  const norm = (s: string) => s.trim().replace(/\s+/g, " ").toLowerCase();
  const byLabel = new Map(ctx.fields.map((f) => [norm(f.label), f]));
  const out: { column: string; fieldId: string }[] = [];
  let position = ctx.fields.reduce((m, f) => Math.max(m, f.position), -1);
  for (const column of columns) {
    const existing = byLabel.get(norm(column));
    if (existing) {
      if (existing.role !== "key") out.push({ column, fieldId: existing.id });
      continue;
    }
    if (keyColumn && norm(column) === norm(keyColumn)) continue; // the key column feeds Unique Key only
    const [created] = await tx<Field[]>`
      insert into fields (manager_id, label, type, position) values (${ctx.sync.managerId}, ${column.trim()}, 'text', ${++position})
      returning id, manager_id as "managerId", label, type, role, position, created_at as "createdAt"`;
    ctx.fields.push(created);
    byLabel.set(norm(column), created);
    out.push({ column, fieldId: created.id });
  }
  return out;
}

async function readAndApply(
  ctx: Context,
  source: OpenedSource,
  o: { previous: Fingerprint | null | undefined; file?: RemoteFile; spec: { kind: string }; direct: boolean },
  stopTicker: () => Promise<void>,
): Promise<{ outcome: RunOutcome; recorded: boolean }> {
  const { run, sync } = ctx;
  const mapping = sync.mapping;
  if (!mapping) throw new AppError("mapping_missing", "This import has no column mapping yet. Finish its set-up first.");
  const autoKey = mapping.autoKey;
  const updateExisting = sync.updateExisting && !autoKey;
  const deleteMissing = sync.deleteMissing && !autoKey && sync.folderMode !== "every_new";
  ctx.progress.bytesTotal = source.size ?? null;

  const decoded = decodeStream(source.stream as AsyncIterable<Buffer>, { encoding: sync.encoding, maxBytes: env.SOURCE_MAX_BYTES });
  const parsed = parseCsv(decoded.text, {
    delimiter: sync.delimiter,
    hasHeader: sync.hasHeader,
    maxColumns: env.MAX_COLUMNS,
    maxFieldBytes: env.MAX_FIELD_BYTES,
    maxRows: env.MAX_ROWS,
  });
  const collector = new ErrorCollector();
  const seenHostKey = source.seenHostKey ?? null;
  const summaryFingerprint = (fp: Fingerprint) => (o.spec.kind === "sftp" ? (seenHostKey ?? sync.hostKeyFingerprint ?? null) : (fp.sha256 ?? null));

  const outcomeOf = (status: RunOutcome["status"], counts: RunOutcome["counts"], message: string, fp: Fingerprint): RunOutcome => ({
    status,
    counts,
    errors: collector.kept,
    errorTotal: collector.total,
    message,
    fingerprint: fp,
    sourceName: source.name,
    rowsRead: ctx.progress.rowsRead,
    bytesRead: decoded.stats.bytes,
    summaryFingerprint: summaryFingerprint(fp),
  });

  try {
    const t0 = performance.now();
    const phases: Record<string, number> = {};
    const mark = (name: string) => (phases[name] = Math.round(performance.now() - t0));
    const result = await withRunTransaction(async (tx) => {
      const iterator = parsed.batches[Symbol.asyncIterator]();
      const first = await iterator.next();
      const columns = await parsed.columns;
      if (!columns) throw new AppError("empty_file", "The file is empty: it has no header and no rows. Nothing was changed.");
      const columnMapping = mapping.autoMap ? await autoMapColumns(tx, ctx, columns, mapping.keyColumn) : mapping.columns;
      const rowPlan = resolveRowPlan(columns, { ...mapping, columns: columnMapping }, ctx.fields);
      const keyColumn = rowPlan.key?.column ?? null;
      // The password lives outside `data`, so only the other mapped fields are replaced on update.
      const mappedFieldIds = rowPlan.targets.map((t) => t.field.id);
      const rowOptions = {
        plan: rowPlan,
        validate: createRowValidator(rowPlan, { maxFieldBytes: env.MAX_FIELD_BYTES }),
        collector,
        onRow: () => {
          if ((++ctx.progress.rowsRead & 1023) === 0) ctx.progress.bytesRead = decoded.stats.bytes;
        },
      };
      const batches = resume(first, iterator);

      // The first import into a manager without any contact (not even deleted ones) goes straight into
      // `contacts`: nothing to compare with, and no second copy of every row. Passwords need hashing and
      // generated keys need SQL, so those take the stage path.
      await createStage(tx, rowHashSql(mappingTag(rowPlan)));
      const [{ pid: backendPid }] = await tx<{ pid: number }[]>`select pg_backend_pid() as pid`;
      let direct = false;
      if (o.direct && keyColumn !== null && !rowPlan.password) {
        await lockManager(tx, sync.managerId);
        direct = await managerIsEmpty(tx, sync.managerId);
      }
      let valid: number;
      if (direct) {
        const rows = directText(batches, { ...rowOptions, managerId: sync.managerId, runId: run.id });
        await copyText(tx, `contacts (${CONTACT_COLUMNS})`, rows.text, { backendPid });
        valid = rows.counts.valid;
        mark("copied");
      } else {
        const rows = stageText(batches, rowOptions);
        await copyText(tx, `stage (${STAGE_COLUMNS})`, rows.text, { backendPid });
        valid = rows.counts.valid;
        mark("staged");
        if (autoKey) await generateKeys(tx, sync.managerId);
        else if (keyColumn) {
          const dups = await markDuplicates(tx, keyColumn, MAX_STORED_ERRORS, rows.candidates.keys);
          if (dups.total) {
            collector.merge(dups.errors, dups.total);
            [{ valid }] = await tx<{ valid: number }[]>`select count(*)::int as valid from stage where valid`;
          }
        }
        mark("keys");
      }
      ctx.progress.bytesRead = decoded.stats.bytes;
      const fingerprint: Fingerprint = { ...source.fingerprint, sha256: decoded.stats.sha256() };

      // Sources that cannot tell "unchanged" before reading (HTTP without validators, ...): the content hash.
      if (o.previous && sameFingerprint(o.previous, fingerprint))
        throw new Rollback(outcomeOf("skipped_unchanged", zeroCounts(), "The file has not changed since the last import.", fingerprint));

      if (!direct) await lockManager(tx, sync.managerId);
      if (rowPlan.key) await assertKeyTypeUnchanged(tx, sync.managerId, rowPlan.key.type);
      const plan: Plan = direct
        ? directPlan(valid)
        : await buildPlan(tx, {
            managerId: sync.managerId,
            mappedFieldIds,
            updateExisting,
            deleteMissing,
            valid,
            countExisting: safetyRuleApplies({ trigger: run.trigger, deleteMissing }),
          });
      const counts = { created: plan.created, updated: plan.updated, deleted: plan.deleted, unchanged: plan.unchanged };
      const status = collector.total > 0 ? "completed_with_errors" : "succeeded";
      const summaryText = describe({
        ...counts,
        errorTotal: collector.total,
        skippedRows: ctx.progress.rowsRead - valid,
        notUpdated: plan.notUpdated,
        dryRun: run.dryRun,
      });

      const blocked =
        run.trigger === "approval"
          ? approvalBlock(plan, await approvedPlan(tx, run), fingerprint.sha256)
          : safetyBlock(plan, { trigger: run.trigger, deleteMissing, thresholdPct: Number(sync.safetyThresholdPct) });
      if (blocked) throw new Rollback(outcomeOf("blocked", counts, blocked, fingerprint));
      if (run.dryRun) throw new Rollback(outcomeOf(status, counts, summaryText, fingerprint));

      mark("planned");
      if (!direct) {
        if (rowPlan.password !== null) await hashNewPasswords(tx);
        mark("hashed");
        await applyPlan(tx, { managerId: sync.managerId, runId: run.id, mappedFieldIds, updateExisting });
      }
      await countAppliedContacts(tx, sync.managerId, plan);
      mark("applied");

      // Remember what was applied (inside the same transaction: a crash leaves no half-recorded state).
      const pinHostKey = o.spec.kind === "sftp" && !sync.hostKeyFingerprint && seenHostKey ? seenHostKey : null;
      await tx`
        update syncs set last_fingerprint = ${tx.json(fingerprint as postgres.JSONValue)},
          host_key_fingerprint = coalesce(host_key_fingerprint, ${pinHostKey}), updated_at = now()
        where id = ${sync.id}`;
      if (o.file)
        await tx`
          insert into imported_files (sync_id, name, size, mtime, run_id)
          values (${sync.id}, ${o.file.name}, ${o.file.size}, ${o.file.mtime}, ${run.id}) on conflict do nothing`;
      await stopTicker();
      const outcome = outcomeOf(status, counts, summaryText, fingerprint);
      await finishRun(tx, run.id, outcome);
      mark("recorded");
      logger.debug("run phases (ms since start)", { runId: run.id, rows: ctx.progress.rowsRead, ...phases });
      return { outcome, recorded: true };
    }, { name: `contact-sync run ${run.id}` });
    await refreshStatisticsAfter(result.outcome.counts);
    return result;
  } catch (e) {
    if (e instanceof Rollback) return { outcome: e.outcome, recorded: false };
    throw e;
  }
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
 * sample of the table (ANALYZE reads at most 30,000 rows), never the run: a failure is only logged.
 */
async function refreshStatisticsAfter(counts: RunOutcome["counts"]): Promise<void> {
  if (counts.created < BIG_GROWTH) return;
  await getSql()`analyze contacts`.catch((e) => logger.warn("analyze contacts failed", { error: String(e) }));
}
