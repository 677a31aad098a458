import { and, asc, count, desc, eq, inArray, notInArray } from "drizzle-orm";
import { AppError } from "@/lib/errors";
import { isPgTimestamptzText } from "@/lib/paging";
import type { Db, Sql } from "@/db/client";
import {
  managers,
  runErrors,
  runs,
  syncs,
  users,
  type Run,
  type RunError,
  type Schedule,
  type SourceKind,
  type Sync,
  type PlanSample,
} from "@/db/schema";
import { computeProgress, type RunProgress } from "@/lib/runs/progress";
import { type RunTimesAndCounts, runTimesAndCounts } from "@/lib/runs/run-json";
import { activeStatuses, isRemote, isUuid } from "@/lib/vocabulary";

const TOOLTIP_ERRORS = 5;

/** A run as the pages and the JSON API show it (dates as ISO strings, so it survives JSON as is). */
export type RunView = RunTimesAndCounts & {
  id: string;
  trigger: Run["trigger"];
  status: Run["status"];
  message: string | null;
  /** What went wrong after the import was applied (the after-import move/delete). */
  warning: string | null;
  sourceName: string | null;
  revertedAt: string | null;
  approvesRunId: string | null;
  /** Blocked and dry runs: the first contacts the plan would delete and update (the API's "plan" field). */
  plan?: PlanSample;
};

export type ActiveRun = RunView & { progress: RunProgress };

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
  latestRun: RunView | null;
  activeRun: ActiveRun | null;
  status: ImportStatus;
  /** The latest run's message and first row errors, for the status tooltip. */
  errors: string[];
  /** Row errors not listed in `errors`. */
  moreErrors: number;
  /** An edit of this active import was started (ISO time) and is neither finished nor discarded yet. */
  pendingEditSince: string | null;
  /**
   * When the latest run was skipped because the source had not changed: when that was (ISO). The status and
   * its errors are then those of the last run that applied the file (`appliedRun`).
   */
  unchangedSince: string | null;
  appliedRun: RunView | null;
  /** Deletes contacts missing from the file: "Go" reviews first (a dry run). */
  deleteMissing: boolean;
};

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/** What a RunView is made of. */
type ViewRun = Pick<
  Run,
  | "id"
  | "trigger"
  | "status"
  | "queuedAt"
  | "startedAt"
  | "finishedAt"
  | "created"
  | "updated"
  | "deleted"
  | "unchanged"
  | "errorCount"
  | "message"
  | "warning"
  | "sourceName"
  | "revertedAt"
  | "approvesRunId"
> & { planSample?: PlanSample | null };

export function toRunView(r: ViewRun): RunView {
  return {
    id: r.id,
    trigger: r.trigger,
    status: r.status,
    ...runTimesAndCounts(r),
    message: r.message,
    warning: r.warning,
    sourceName: r.sourceName,
    revertedAt: iso(r.revertedAt),
    approvesRunId: r.approvesRunId,
    ...(r.planSample ? { plan: r.planSample } : {}),
  };
}

export function describeRunError(e: Pick<RunError, "line" | "column" | "message">): string {
  const where = [e.line != null ? `Line ${e.line}` : null, e.column ? e.column : null].filter(Boolean).join(", ");
  return where ? `${where}: ${e.message}` : e.message;
}

function statusOf(
  sync: Pick<Sync, "state">,
  latest: Pick<Run, "status"> | undefined,
  active: Pick<Run, "status"> | undefined,
): ImportStatus {
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
function previousRows(latest: Pick<Run, "status" | "rowsRead"> | undefined): number | null {
  return latest && (latest.status === "succeeded" || latest.status === "completed_with_errors")
    ? latest.rowsRead
    : null;
}

export type ImportListFilter = { managerId?: string; syncId?: string };

/** One page of the imports list, with opaque keyset cursors (null when there is no page that way). */
export type ImportPage = { rows: ImportRow[]; nextCursor: string | null; prevCursor: string | null };

export const IMPORTS_PAGE_SIZE = 100;
export const IMPORTS_PAGE_MAX = 500;

/** Position in the list order (manager name, sync name, created at, id); created_at as text keeps microseconds. */
type ImportCursor = { m: string; n: string; t: string; id: string };

export function encodeImportCursor(c: ImportCursor): string {
  return Buffer.from(JSON.stringify([c.m, c.n, c.t, c.id])).toString("base64url");
}

export function decodeImportCursor(raw: string | undefined | null): ImportCursor | null {
  if (raw === undefined || raw === null || raw === "") return null;
  try {
    const a = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
    const text = (v: unknown): v is string => typeof v === "string" && !v.includes("\u0000");
    if (Array.isArray(a) && a.length === 4 && a.every(text) && isUuid(a[3]) && isPgTimestamptzText(a[2])) {
      return { m: a[0], n: a[1], t: a[2], id: a[3] };
    }
  } catch {
    // fall through: a bad cursor is a bad link, not a crash
  }
  throw new AppError("invalid_cursor", "This page link is no longer valid. Start again from the first page.");
}

/**
 * The imports list: every live (active or draft) sync, of one manager or all, with its latest finished run,
 * its active run with progress, its next run and the errors for the status tooltip. All of them (for callers
 * that need the whole list); the pages and the API use listImportsPage.
 */
export async function listImports(db: Db, filter: ImportListFilter = {}): Promise<ImportRow[]> {
  return (await listImportsPage(db, { ...filter, limit: null })).rows;
}

/** One live import as the imports list shows it (GET /api/syncs/:id, the answer to POST /api/syncs), or null. */
export async function getImportRow(db: Db, syncId: string): Promise<ImportRow | null> {
  return (await listImportsPage(db, { syncId, limit: 1 })).rows[0] ?? null;
}

/** A run of the imports list as the page query returns it (json_build_object below; timestamps as ISO text). */
type PageRun = RunView & { rowsRead: number; bytesRead: number; bytesTotal: number | null };
type PageRow = {
  id: string;
  name: string;
  manager_id: string;
  manager_name: string;
  state: Sync["state"];
  origin: Sync["origin"];
  source_kind: SourceKind | null;
  location: string | null;
  schedule: Schedule | null;
  next_run_at: string | null;
  created_text: string;
  pending_edit_since: string | null;
  delete_missing: boolean;
  latest: PageRun | null;
  /** The last run that applied a file, when the latest one was skipped as unchanged. */
  applied: PageRun | null;
  active: PageRun | null;
  /** [line, column, message] of the latest run's first row errors. */
  errors: [number | null, string | null, string][] | null;
};

const date = (s: string | null) => (s ? new Date(s) : null);

/**
 * A page of the imports list, in (manager name, sync name, created at, id) order, keyset-paged: `after` /
 * `before` are cursors from a previous page, `limit` defaults to IMPORTS_PAGE_SIZE (null: no limit).
 * One prepared statement, one round trip, whatever the page size or the run history: the page of syncs first
 * (a top-N sort of the live syncs), then per sync its latest finished run and its active run, each a backward
 * `limit 1` probe on runs_sync_queued_idx (not a DISTINCT ON over all runs), and the latest run's first row
 * errors, a `limit` on run_errors_run_idx. (Round trips are what costs most on a small machine: each query is a
 * socket write and a wake-up of the other side.)
 */
export async function listImportsPage(
  db: Db,
  opts: ImportListFilter & { limit?: number | null; after?: string; before?: string } = {},
): Promise<ImportPage> {
  const limit =
    opts.limit === null ? null : Math.min(Math.max(Math.trunc(opts.limit ?? IMPORTS_PAGE_SIZE), 1), IMPORTS_PAGE_MAX);
  const after = decodeImportCursor(opts.after);
  const before = after ? null : decodeImportCursor(opts.before);
  const forward = !before;
  const cursor = after ?? before;

  // The postgres.js client under drizzle (tagged templates are prepared; drizzle left timestamps unparsed).
  const c = (db as unknown as { $client: Sql }).$client;
  const filters = [c`s.state in ('active', 'draft')`];
  if (opts.managerId) filters.push(c`s.manager_id = ${opts.managerId}::uuid`);
  if (opts.syncId) filters.push(c`s.id = ${opts.syncId}::uuid`);
  if (cursor) {
    const at = c`(${cursor.m}::text, ${cursor.n}::text, ${cursor.t}::timestamptz, ${cursor.id}::uuid)`;
    filters.push(
      forward ? c`(m.name, s.name, s.created_at, s.id) > ${at}` : c`(m.name, s.name, s.created_at, s.id) < ${at}`,
    );
  }
  const where = filters.reduce((a, b) => c`${a} and ${b}`);
  const order = (p: string) =>
    forward
      ? c.unsafe(`${p}manager_name, ${p}name, ${p}created_at, ${p}id`)
      : c.unsafe(`${p}manager_name desc, ${p}name desc, ${p}created_at desc, ${p}id desc`);
  const iso = (col: string) => c.unsafe(`to_char(${col} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);
  const runJson = (r: string) => c`json_build_object(
    'id', ${c.unsafe(r)}.id, 'trigger', ${c.unsafe(r)}.trigger, 'status', ${c.unsafe(r)}.status,
    'queuedAt', ${iso(`${r}.queued_at`)}, 'startedAt', ${iso(`${r}.started_at`)}, 'finishedAt', ${iso(`${r}.finished_at`)},
    'created', ${c.unsafe(r)}.created, 'updated', ${c.unsafe(r)}.updated, 'deleted', ${c.unsafe(r)}.deleted,
    'unchanged', ${c.unsafe(r)}.unchanged, 'errorCount', ${c.unsafe(r)}.error_count, 'message', ${c.unsafe(r)}.message, 'warning', ${c.unsafe(r)}.warning,
    'sourceName', ${c.unsafe(r)}.source_name, 'revertedAt', ${iso(`${r}.reverted_at`)}, 'approvesRunId', ${c.unsafe(r)}.approves_run_id,
    'rowsRead', ${c.unsafe(r)}.rows_read, 'bytesRead', ${c.unsafe(r)}.bytes_read, 'bytesTotal', ${c.unsafe(r)}.bytes_total)`;

  const fetched = await c<PageRow[]>`
    with page as materialized (
      select s.id, s.name, s.manager_id, m.name as manager_name, s.state, s.origin, s.source_kind, s.location, s.schedule,
        s.next_run_at, s.created_at, s.pending_edit->>'startedAt' as pending_edit_since, s.delete_missing
      from syncs s join managers m on m.id = s.manager_id
      where ${where}
      order by ${order("")} ${limit === null ? c`` : c`limit ${limit + 1}`}
    )
    select p.id, p.name, p.manager_id, p.manager_name, p.state, p.origin, p.source_kind, p.location, p.schedule,
      ${iso("p.next_run_at")} as next_run_at, p.created_at::text as created_text, p.pending_edit_since, p.delete_missing,
      case when l.id is null then null else ${runJson("l")} end as latest,
      case when ap.id is null then null else ${runJson("ap")} end as applied,
      case when a.id is null then null else ${runJson("a")} end as active,
      e.errors
    from page p
    left join lateral (
      select * from runs r where r.sync_id = p.id and r.status not in ('queued', 'running') and not r.dry_run
      order by r.queued_at desc limit 1
    ) l on true
    left join lateral (
      select * from runs r where r.sync_id = p.id and r.status in ('succeeded', 'completed_with_errors') and not r.dry_run
      order by r.queued_at desc limit 1
    ) ap on l.status = 'skipped_unchanged'
    left join lateral (select * from runs r where r.sync_id = p.id and r.status in ('queued', 'running') limit 1) a on true
    left join lateral (
      select json_agg(json_build_array(x.line, x."column", x.message) order by x.id) as errors
      from (select id, line, "column", message from run_errors where run_id = coalesce(ap.id, l.id) order by id limit ${TOOLTIP_ERRORS}) x
    ) e on coalesce(ap.error_count, l.error_count) > 0
    order by ${order("p.")}`;

  const more = limit !== null && fetched.length > limit;
  const list = more ? fetched.slice(0, limit) : [...fetched];
  if (!forward) list.reverse();
  if (list.length === 0) return { rows: [], nextCursor: null, prevCursor: null };
  const cursorOf = (r: PageRow) => encodeImportCursor({ m: r.manager_name, n: r.name, t: r.created_text, id: r.id });
  const nextCursor = forward && !more ? null : cursorOf(list[list.length - 1]);
  const prevCursor = forward ? (cursor ? cursorOf(list[0]) : null) : more ? cursorOf(list[0]) : null;

  const now = new Date();
  const summary = (r: PageRun): RunView => {
    const { rowsRead: _r, bytesRead: _b, bytesTotal: _t, ...rest } = r;
    return rest;
  };
  const rows = list.map((r): ImportRow => {
    const last = r.latest ?? undefined;
    const act = r.active ?? undefined;
    // A skip changed nothing: the status (and its errors) stay those of the run that last applied the file.
    const shown = r.applied ?? last;
    const plain = statusOf(r, shown, act);
    // A run applied, but its after-import move/delete failed: yellow, with the warning in the tooltip.
    const status = plain === "ok" && shown?.warning ? "errors" : plain;
    const errors: string[] = [];
    let moreErrors = 0;
    if (shown?.warning && !act) errors.push(`Warning: ${shown.warning}`);
    if (shown && (status === "errors" || status === "failed" || status === "blocked")) {
      if (shown.message) errors.push(shown.message);
      const listed = (r.errors ?? []).map(([line, column, message]) => ({ line, column, message }));
      errors.push(...listed.map(describeRunError));
      moreErrors = Math.max(0, shown.errorCount - listed.length);
    }
    return {
      id: r.id,
      name: r.name,
      managerId: r.manager_id,
      managerName: r.manager_name,
      state: r.state,
      origin: r.origin,
      sourceKind: r.source_kind,
      remote: isRemote(r.source_kind),
      location: isRemote(r.source_kind) ? r.location : null,
      schedule: r.schedule ?? null,
      nextRunAt: r.next_run_at,
      latestRun: last ? summary(last) : null,
      activeRun: act
        ? {
            ...summary(act),
            progress: computeProgress(
              { ...act, startedAt: date(act.startedAt), finishedAt: date(act.finishedAt) },
              { now, previousRows: previousRows(shown) },
            ),
          }
        : null,
      status,
      errors,
      moreErrors,
      pendingEditSince: r.pending_edit_since,
      unchangedSince: last?.status === "skipped_unchanged" ? (last.finishedAt ?? last.queuedAt) : null,
      appliedRun: r.applied ? summary(r.applied) : null,
      deleteMissing: r.delete_missing,
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
  // The active run may be a dry run (as in the imports list); a finished one is the latest real run.
  const [running] = await db
    .select()
    .from(runs)
    .where(and(eq(runs.syncId, syncId), inArray(runs.status, [...activeStatuses])))
    .orderBy(desc(runs.queuedAt))
    .limit(1);
  const [finished] = await db
    .select()
    .from(runs)
    .where(and(eq(runs.syncId, syncId), eq(runs.dryRun, false), notInArray(runs.status, [...activeStatuses])))
    .orderBy(desc(runs.queuedAt))
    .limit(1);
  const current = running ?? finished;
  if (!current) return { syncId, active: false, run: null };
  const previous = running ? finished : undefined;
  return {
    syncId,
    active: !!running,
    run: { ...toRunView(current), progress: computeProgress(current, { previousRows: previousRows(previous) }) },
  };
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
export async function listRunsBySyncId(
  db: Db,
  opts: { syncId: string; page?: number; pageSize?: number },
): Promise<{ runs: (RunView & { requestedByEmail: string | null })[]; total: number }> {
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
  return { runs: rows.map((r) => ({ ...toRunView(r.run), requestedByEmail: r.email })), total };
}

export type RunDetail = {
  run: Run;
  sync: Sync;
  managerName: string;
  requestedByEmail: string | null;
  revertedByEmail: string | null;
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
  let revertedByEmail: string | null = null;
  if (row.run.revertedBy) {
    const [u] = await db.select({ email: users.email }).from(users).where(eq(users.id, row.run.revertedBy));
    revertedByEmail = u?.email ?? null;
  }
  return { run: row.run, sync: row.sync, managerName: row.managerName, requestedByEmail: row.email, revertedByEmail };
}

/** A run's row errors, in file order, a page at a time. */
export async function listRunErrors(
  db: Db,
  opts: { runId: string; page?: number; pageSize?: number },
): Promise<{ errors: RunError[]; total: number }> {
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
