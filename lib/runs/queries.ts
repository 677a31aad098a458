import { and, asc, count, desc, eq, inArray, notInArray, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { managers, runErrors, runs, syncs, users, type Run, type RunError, type Schedule, type SourceKind, type Sync } from "@/db/schema";
import { computeProgress, type RunProgress } from "./progress";

export const remoteKinds: readonly SourceKind[] = ["http", "https", "ftp", "ftpes", "ftps", "sftp"];
export const activeStatuses = ["queued", "running"] as const;
const TOOLTIP_ERRORS = 5;

export function isRemote(kind: SourceKind | null): boolean {
  return kind !== null && remoteKinds.includes(kind);
}

/** A run as the pages and the JSON API show it (dates as ISO strings, so it survives JSON as is). */
export type RunSummary = {
  id: string;
  trigger: Run["trigger"];
  status: Run["status"];
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
  errorCount: number;
  message: string | null;
  sourceName: string | null;
  revertedAt: string | null;
  approvesRunId: string | null;
};

export type ActiveRun = RunSummary & { progress: RunProgress };

/** How the Status column reads. */
export type ImportStatus = "ok" | "errors" | "failed" | "blocked" | "running" | "queued" | "never" | "draft";

export type ImportRow = {
  id: string;
  name: string;
  managerId: string;
  managerName: string;
  state: Sync["state"];
  origin: Sync["origin"];
  sourceKind: SourceKind | null;
  /** Remote sources can be run with "Go" and scheduled. */
  remote: boolean;
  /** Where the file comes from, without credentials (remote sources only). */
  location: string | null;
  schedule: Schedule | null;
  nextRunAt: string | null;
  latestRun: RunSummary | null;
  activeRun: ActiveRun | null;
  status: ImportStatus;
  /** The latest run's message and first row errors, for the status tooltip. */
  errors: string[];
  /** Row errors not listed in `errors`. */
  moreErrors: number;
};

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export function toRunSummary(r: Run): RunSummary {
  return {
    id: r.id,
    trigger: r.trigger,
    status: r.status,
    queuedAt: r.queuedAt.toISOString(),
    startedAt: iso(r.startedAt),
    finishedAt: iso(r.finishedAt),
    created: r.created,
    updated: r.updated,
    deleted: r.deleted,
    unchanged: r.unchanged,
    errorCount: r.errorCount,
    message: r.message,
    sourceName: r.sourceName,
    revertedAt: iso(r.revertedAt),
    approvesRunId: r.approvesRunId,
  };
}

export function describeRunError(e: Pick<RunError, "line" | "column" | "message">): string {
  const where = [e.line != null ? `Line ${e.line}` : null, e.column ? e.column : null].filter(Boolean).join(", ");
  return where ? `${where}: ${e.message}` : e.message;
}

function statusOf(sync: Sync, latest: Run | undefined, active: Run | undefined): ImportStatus {
  if (active) return active.status === "running" ? "running" : "queued";
  if (sync.state === "draft") return "draft";
  if (!latest) return "never";
  switch (latest.status) {
    case "succeeded":
    case "skipped_unchanged":
      return "ok";
    case "completed_with_errors":
      return "errors";
    case "blocked":
      return "blocked";
    default:
      return "failed";
  }
}

/** The previous run's row count: the yardstick for progress when the file size is unknown. */
function previousRows(latest: Run | undefined): number | null {
  return latest && (latest.status === "succeeded" || latest.status === "completed_with_errors") ? latest.rowsRead : null;
}

/**
 * The imports list: every live (active or draft) sync, of one manager or all, with its latest finished run,
 * its active run with progress, its next run and the errors for the status tooltip. A handful of
 * set-based queries, whatever the number of syncs.
 */
export async function listImports(db: Db, filter: { managerId?: string; syncId?: string } = {}): Promise<ImportRow[]> {
  const conditions = [inArray(syncs.state, ["active", "draft"])];
  if (filter.managerId) conditions.push(eq(syncs.managerId, filter.managerId));
  if (filter.syncId) conditions.push(eq(syncs.id, filter.syncId));
  const list = await db
    .select({ sync: syncs, managerName: managers.name })
    .from(syncs)
    .innerJoin(managers, eq(managers.id, syncs.managerId))
    .where(and(...conditions))
    .orderBy(asc(managers.name), asc(syncs.name), asc(syncs.createdAt));
  if (list.length === 0) return [];
  const ids = list.map((r) => r.sync.id);

  const latest = await db
    .selectDistinctOn([runs.syncId])
    .from(runs)
    .where(and(inArray(runs.syncId, ids), notInArray(runs.status, [...activeStatuses]), eq(runs.dryRun, false)))
    .orderBy(runs.syncId, desc(runs.queuedAt));
  const active = await db
    .select()
    .from(runs)
    .where(and(inArray(runs.syncId, ids), inArray(runs.status, [...activeStatuses])));
  const latestBySync = new Map(latest.map((r) => [r.syncId, r]));
  const activeBySync = new Map(active.map((r) => [r.syncId, r]));

  const withErrors = latest.filter((r) => r.errorCount > 0).map((r) => r.id);
  const errorsByRun = new Map<string, Pick<RunError, "line" | "column" | "message">[]>();
  if (withErrors.length > 0) {
    const rows = await db.execute<{ run_id: string; line: number | null; column: string | null; message: string }>(sql`
      select run_id, line, "column", message from (
        select run_id, line, "column", message, row_number() over (partition by run_id order by id) as n
        from ${runErrors} where ${inArray(runErrors.runId, withErrors)}
      ) e where n <= ${TOOLTIP_ERRORS} order by run_id, n`);
    for (const r of rows) {
      const arr = errorsByRun.get(r.run_id) ?? [];
      arr.push({ line: r.line, column: r.column, message: r.message });
      errorsByRun.set(r.run_id, arr);
    }
  }

  const now = new Date();
  return list.map(({ sync, managerName }) => {
    const last = latestBySync.get(sync.id);
    const act = activeBySync.get(sync.id);
    const status = statusOf(sync, last, act);
    const errors: string[] = [];
    let moreErrors = 0;
    if (last && (status === "errors" || status === "failed" || status === "blocked")) {
      if (last.message) errors.push(last.message);
      const listed = errorsByRun.get(last.id) ?? [];
      errors.push(...listed.map(describeRunError));
      moreErrors = Math.max(0, last.errorCount - listed.length);
    }
    return {
      id: sync.id,
      name: sync.name,
      managerId: sync.managerId,
      managerName,
      state: sync.state,
      origin: sync.origin,
      sourceKind: sync.sourceKind,
      remote: isRemote(sync.sourceKind),
      location: isRemote(sync.sourceKind) ? sync.location : null,
      schedule: sync.schedule ?? null,
      nextRunAt: iso(sync.nextRunAt),
      latestRun: last ? toRunSummary(last) : null,
      activeRun: act ? { ...toRunSummary(act), progress: computeProgress(act, { now, previousRows: previousRows(last) }) } : null,
      status,
      errors,
      moreErrors,
    };
  });
}

export type SyncStatus = {
  syncId: string;
  active: boolean;
  /** The active run, or else the latest finished one. */
  run: ActiveRun | null;
};

/** The sync's current (or latest) run with its progress, for polling. Null when the sync does not exist. */
export async function getSyncStatus(db: Db, syncId: string): Promise<SyncStatus | null> {
  const [sync] = await db.select({ id: syncs.id, state: syncs.state }).from(syncs).where(eq(syncs.id, syncId));
  if (!sync || sync.state === "deleted") return null;
  const recent = await db
    .select()
    .from(runs)
    .where(and(eq(runs.syncId, syncId), eq(runs.dryRun, false)))
    .orderBy(desc(runs.queuedAt))
    .limit(2);
  const current = recent[0];
  if (!current) return { syncId, active: false, run: null };
  const active = (activeStatuses as readonly string[]).includes(current.status);
  const previous = active ? recent[1] : undefined;
  return { syncId, active, run: { ...toRunSummary(current), progress: computeProgress(current, { previousRows: previousRows(previous) }) } };
}

export async function getSync(db: Db, syncId: string): Promise<(Sync & { managerName: string }) | null> {
  const [row] = await db
    .select({ sync: syncs, managerName: managers.name })
    .from(syncs)
    .innerJoin(managers, eq(managers.id, syncs.managerId))
    .where(eq(syncs.id, syncId));
  return row ? { ...row.sync, managerName: row.managerName } : null;
}

/** A sync's runs, newest first, a page at a time. */
export async function listRunsBySyncId(db: Db, opts: { syncId: string; page?: number; pageSize?: number }): Promise<{ runs: (RunSummary & { requestedByEmail: string | null })[]; total: number }> {
  const pageSize = opts.pageSize ?? 50;
  const page = Math.max(1, opts.page ?? 1);
  const rows = await db
    .select({ run: runs, email: users.email })
    .from(runs)
    .leftJoin(users, eq(users.id, runs.requestedBy))
    .where(eq(runs.syncId, opts.syncId))
    .orderBy(desc(runs.queuedAt))
    .limit(pageSize)
    .offset((page - 1) * pageSize);
  const [{ total }] = await db.select({ total: count() }).from(runs).where(eq(runs.syncId, opts.syncId));
  return { runs: rows.map((r) => ({ ...toRunSummary(r.run), requestedByEmail: r.email })), total };
}

export type RunDetail = {
  run: Run;
  sync: Sync;
  managerName: string;
  requestedByEmail: string | null;
  revertedByEmail: string | null;
  /** For a blocked run: the run that approved it, if any. */
  approvedBy: Run | null;
};

export async function getRunDetail(db: Db, runId: string): Promise<RunDetail | null> {
  const [row] = await db
    .select({ run: runs, sync: syncs, managerName: managers.name, email: users.email })
    .from(runs)
    .innerJoin(syncs, eq(syncs.id, runs.syncId))
    .innerJoin(managers, eq(managers.id, syncs.managerId))
    .leftJoin(users, eq(users.id, runs.requestedBy))
    .where(eq(runs.id, runId));
  if (!row) return null;
  const [approval] = await db.select().from(runs).where(eq(runs.approvesRunId, runId)).orderBy(desc(runs.queuedAt)).limit(1);
  let revertedByEmail: string | null = null;
  if (row.run.revertedBy) {
    const [u] = await db.select({ email: users.email }).from(users).where(eq(users.id, row.run.revertedBy));
    revertedByEmail = u?.email ?? null;
  }
  return { run: row.run, sync: row.sync, managerName: row.managerName, requestedByEmail: row.email, revertedByEmail, approvedBy: approval ?? null };
}

/** A run's row errors, in file order, a page at a time. */
export async function listRunErrors(db: Db, opts: { runId: string; page?: number; pageSize?: number }): Promise<{ errors: RunError[]; total: number }> {
  const pageSize = opts.pageSize ?? 100;
  const page = Math.max(1, opts.page ?? 1);
  const errors = await db
    .select()
    .from(runErrors)
    .where(eq(runErrors.runId, opts.runId))
    .orderBy(asc(runErrors.id))
    .limit(pageSize)
    .offset((page - 1) * pageSize);
  const [{ total }] = await db.select({ total: count() }).from(runErrors).where(eq(runErrors.runId, opts.runId));
  return { errors, total };
}
