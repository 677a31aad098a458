import { and, asc, count, desc, eq, inArray, sql } from "drizzle-orm";
import { AppError } from "@/lib/errors";
import type { Db, Sql } from "@/db/client";
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

export type ImportListFilter = { managerId?: string; syncId?: string };

/** One page of the imports list, with opaque keyset cursors (null when there is no page that way). */
export type ImportPage = { rows: ImportRow[]; nextCursor: string | null; prevCursor: string | null };

export const IMPORTS_PAGE_SIZE = 100;
export const IMPORTS_PAGE_MAX = 500;

/** Position in the list order (manager name, sync name, created at, id); created_at as text keeps microseconds. */
type ImportCursor = { m: string; n: string; t: string; id: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeImportCursor(c: ImportCursor): string {
  return Buffer.from(JSON.stringify([c.m, c.n, c.t, c.id])).toString("base64url");
}

export function decodeImportCursor(raw: string | undefined | null): ImportCursor | null {
  if (raw === undefined || raw === null || raw === "") return null;
  try {
    const a = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
    if (Array.isArray(a) && a.length === 4 && a.every((v) => typeof v === "string") && UUID.test(a[3]) && !Number.isNaN(Date.parse(a[2]))) {
      return { m: a[0], n: a[1], t: a[2], id: a[3] };
    }
  } catch {
    // fall through: a bad cursor is a bad link, not a crash
  }
  throw new AppError("invalid_cursor", "This page link is no longer valid. Start again from the first page.", 400);
}

/**
 * The imports list: every live (active or draft) sync, of one manager or all, with its latest finished run,
 * its active run with progress, its next run and the errors for the status tooltip. All of them (for callers
 * that need the whole list); the pages and the API use listImportsPage.
 */
export async function listImports(db: Db, filter: ImportListFilter = {}): Promise<ImportRow[]> {
  return (await listImportsPage(db, { ...filter, limit: null })).rows;
}

/**
 * A page of the imports list, in (manager name, sync name, created at, id) order, keyset-paged: `after` /
 * `before` are cursors from a previous page, `limit` defaults to IMPORTS_PAGE_SIZE (null: no limit).
 * Three queries whatever the page size or the run history: the page of syncs; their latest finished and
 * active runs, each found by a backward `limit 1` on runs_sync_queued_idx (not a DISTINCT ON over all runs);
 * the first row errors of the latest runs with errors, again a `limit` per run on run_errors_run_idx.
 */
export async function listImportsPage(
  db: Db,
  opts: ImportListFilter & { limit?: number | null; after?: string; before?: string } = {},
): Promise<ImportPage> {
  const limit = opts.limit === null ? null : Math.min(Math.max(Math.trunc(opts.limit ?? IMPORTS_PAGE_SIZE), 1), IMPORTS_PAGE_MAX);
  const after = decodeImportCursor(opts.after);
  const before = after ? null : decodeImportCursor(opts.before);
  const forward = !before;
  const cursor = after ?? before;

  const conditions = [inArray(syncs.state, ["active", "draft"])];
  if (opts.managerId) conditions.push(eq(syncs.managerId, opts.managerId));
  if (opts.syncId) conditions.push(eq(syncs.id, opts.syncId));
  if (cursor) {
    const position = sql`(${managers.name}, ${syncs.name}, ${syncs.createdAt}, ${syncs.id})`;
    const at = sql`(${cursor.m}::text, ${cursor.n}::text, ${cursor.t}::timestamptz, ${cursor.id}::uuid)`;
    conditions.push(forward ? sql`${position} > ${at}` : sql`${position} < ${at}`);
  }
  const dir = forward ? asc : desc;
  const query = db
    .select({ sync: syncs, managerName: managers.name, createdText: sql<string>`${syncs.createdAt}::text` })
    .from(syncs)
    .innerJoin(managers, eq(managers.id, syncs.managerId))
    .where(and(...conditions))
    .orderBy(dir(managers.name), dir(syncs.name), dir(syncs.createdAt), dir(syncs.id));
  // Prepared (postgres.js caches the statement per connection): unprepared drizzle queries with parameters
  // cost two round trips (describe, then execute), prepared ones one.
  const fetched = await (limit === null ? query : query.limit(limit + 1)).prepare("imports_page").execute();
  const more = limit !== null && fetched.length > limit;
  const list = more ? fetched.slice(0, limit) : fetched;
  if (!forward) list.reverse();
  const cursorOf = (r: (typeof list)[number]) => encodeImportCursor({ m: r.managerName, n: r.sync.name, t: r.createdText, id: r.sync.id });
  if (list.length === 0) return { rows: [], nextCursor: null, prevCursor: null };
  const nextCursor = forward && !more ? null : cursorOf(list[list.length - 1]);
  const prevCursor = forward ? (cursor ? cursorOf(list[0]) : null) : more ? cursorOf(list[0]) : null;
  const ids = list.map((r) => r.sync.id);

  // The latest finished run and the active run of each sync on the page: an index probe per sync.
  const runIds = sql`(
    select x.id from (values ${sql.join(ids.map((id) => sql`(${id}::uuid)`), sql`, `)}) as page(sync_id)
    cross join lateral (
      (select r.id from ${runs} r where r.sync_id = page.sync_id and r.status not in ('queued', 'running') and not r.dry_run
        order by r.queued_at desc limit 1)
      union all
      (select r.id from ${runs} r where r.sync_id = page.sync_id and r.status in ('queued', 'running') limit 1)
    ) x)`;
  const pageRuns = await db.select().from(runs).where(inArray(runs.id, runIds)).prepare("imports_page_runs").execute();
  const latestBySync = new Map<string, Run>();
  const activeBySync = new Map<string, Run>();
  for (const r of pageRuns) {
    if ((activeStatuses as readonly string[]).includes(r.status)) activeBySync.set(r.syncId, r);
    else latestBySync.set(r.syncId, r);
  }

  const withErrors = [...latestBySync.values()].filter((r) => r.errorCount > 0).map((r) => r.id);
  const errorsByRun = new Map<string, Pick<RunError, "line" | "column" | "message">[]>();
  if (withErrors.length > 0) {
    const client = (db as unknown as { $client: Sql }).$client; // the postgres.js client under drizzle
    const rows = await client<{ run_id: string; line: number | null; column: string | null; message: string }[]>`
      select w.run_id, e.line, e."column", e.message
      from unnest(${withErrors}::uuid[]) as w(run_id)
      cross join lateral (
        select e.id, e.line, e."column", e.message from run_errors e where e.run_id = w.run_id order by e.id limit ${TOOLTIP_ERRORS}
      ) e
      order by w.run_id, e.id`;
    for (const r of rows) {
      const arr = errorsByRun.get(r.run_id) ?? [];
      arr.push({ line: r.line, column: r.column, message: r.message });
      errorsByRun.set(r.run_id, arr);
    }
  }

  const now = new Date();
  const rows = list.map(({ sync, managerName }): ImportRow => {
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
  return { rows, nextCursor, prevCursor };
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
