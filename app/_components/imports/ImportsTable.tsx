"use client";

import Link from "next/link";
import { useActionState, useEffect, useRef, useState } from "react";
import type { ActionState } from "@/lib/auth/guard";
import type { ImportRow } from "@/lib/runs/queries";
import { plural, safeZone, statusLabels } from "@/app/_components/imports/format";
import { LocalTime, ScheduleZoneTime } from "@/app/_components/imports/LocalTime";
import { RunProgress } from "@/app/_components/imports/RunProgress";
import { StatusMark } from "@/app/_components/imports/StatusMark";
import styles from "@/app/_components/imports/imports.module.css";
import { apiSyncRunPath, apiSyncsPath, importEditPath, importsPath, runPath, runsPath } from "@/lib/paths";

type Action = (prev: ActionState, formData: FormData) => Promise<ActionState>;

const POLL_MS = 1500;
const POLL_BACKOFF_MS = 10_000;

/**
 * The imports list: per import its latest and next run, Go and a status mark. Rendered on the server with the rows, so it reads and works without
 * JavaScript (Go and Delete are plain form posts to server actions). In the browser, Go posts to
 * POST /api/syncs/:id/run instead, and while any run is queued or running the rows are refreshed from
 * GET /api/syncs every 1.5 s; polling stops when all are idle.
 */
export function ImportsTable({
  initialRows,
  managerId,
  pageQuery,
  canEdit,
  showManager,
  returnTo,
  goAction,
  deleteAction,
  deleteDraftsAction,
  reviewGoAction,
  draftRetentionDays,
}: {
  initialRows: ImportRow[];
  managerId?: string;
  /** The page's cursor (after=… or before=…), so polling refreshes the same page of GET /api/syncs. */
  pageQuery?: { after?: string; before?: string };
  canEdit: boolean;
  showManager: boolean;
  returnTo: string;
  goAction: Action;
  deleteAction: Action;
  /** "Delete all" on the "Unfinished" line (the drafts it lists). */
  deleteDraftsAction: Action;
  /** "Go" on an import that deletes missing contacts: its review (a dry run) first. */
  reviewGoAction: Action;
  /** DRAFT_RETENTION_DAYS: an unfinished setup untouched this long is removed. */
  draftRetentionDays: number;
}) {
  const [rows, setRows] = useState(initialRows);
  const [announcement, setAnnouncement] = useState("");
  const [apiError, setApiError] = useState<string | null>(null);
  const [starting, setStarting] = useState<string | null>(null);
  const [goState, goFormAction] = useActionState(goAction, {});
  const [deleteState, deleteFormAction] = useActionState(deleteAction, {});
  const [draftsState, deleteDraftsFormAction] = useActionState(deleteDraftsAction, {});
  const [reviewState, reviewGoFormAction] = useActionState(reviewGoAction, {});
  const previous = useRef(initialRows);

  useEffect(() => setRows(initialRows), [initialRows]);

  const listUrl = apiSyncsPath({
    managerId,
    after: pageQuery?.after,
    before: pageQuery?.after ? undefined : pageQuery?.before,
  });
  const anyActive = rows.some((r) => r.activeRun);

  useEffect(() => {
    if (!anyActive) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const tick = async () => {
      let delay = POLL_MS;
      try {
        const res = await fetch(listUrl, { cache: "no-store", headers: { accept: "application/json" } });
        if (res.ok) {
          const body = (await res.json()) as { syncs: ImportRow[] };
          if (!stopped) setRows(body.syncs);
        } else if (res.status === 401 || res.status === 403) {
          // Signed out meanwhile: polling cannot succeed any more.
          setApiError("Your session has ended, so progress is no longer updated. Sign in again and reload this page.");
          return;
        } else delay = POLL_BACKOFF_MS;
      } catch {
        delay = POLL_BACKOFF_MS;
      }
      if (!stopped) timer = setTimeout(tick, delay);
    };
    timer = setTimeout(tick, POLL_MS);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [anyActive, listUrl]);

  // Say when a run ends (screen readers; the row itself changes too).
  useEffect(() => {
    const before = new Map(previous.current.map((r) => [r.id, r]));
    const finished = rows.filter((r) => before.get(r.id)?.activeRun && !r.activeRun && r.latestRun);
    if (finished.length) {
      setAnnouncement(
        finished
          .map((r) => `Import “${r.name}” finished: ${statusLabels[r.latestRun!.status] ?? r.latestRun!.status}.`)
          .join(" "),
      );
    }
    previous.current = rows;
  }, [rows]);

  async function go(e: React.FormEvent<HTMLFormElement>, row: ImportRow) {
    e.preventDefault();
    setApiError(null);
    setStarting(row.id);
    try {
      const res = await fetch(apiSyncRunPath(row.id), { method: "POST", headers: { accept: "application/json" } });
      const body = await res.json().catch(() => ({}));
      if (res.status === 202) {
        setAnnouncement(`Import “${row.name}” started.`);
        const list = await fetch(listUrl, { cache: "no-store" });
        if (list.ok) setRows(((await list.json()) as { syncs: ImportRow[] }).syncs);
      } else {
        setApiError(body?.error?.message ?? "The import could not be started.");
      }
    } catch {
      setApiError("The server could not be reached. Check your connection and try again.");
    } finally {
      setStarting(null);
    }
  }

  const message =
    apiError ??
    (goState.ok ? null : goState.message) ??
    (deleteState.ok ? null : deleteState.message) ??
    (draftsState.ok ? null : draftsState.message) ??
    (reviewState.ok ? null : reviewState.message);
  // Unfinished setups are not imports yet: one "Unfinished" line holds them all, below the imports.
  const drafts = rows.filter((r) => r.state === "draft");
  const imports = rows.filter((r) => r.state !== "draft");
  const columnCount = canEdit ? 7 : 4;

  return (
    <>
      <div aria-live="polite" role="status" className={styles.srOnly}>
        {announcement}
      </div>
      {message && (
        <div className="error-box" role="alert">
          <p>{message}</p>
        </div>
      )}
      {rows.length === 0 ? (
        <p className="empty">No imports yet.{managerId && canEdit ? " Use “Setup New Import” to create one." : ""}</p>
      ) : (
        <div className={styles.tableWrap}>
          <table className={`table ${styles.imports}`}>
            <caption className={styles.srOnly}>Imports{anyActive ? " (updating while imports run)" : ""}</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Latest Import</th>
                <th scope="col">Next Import</th>
                {canEdit && <th scope="col">Import Now</th>}
                <th scope="col">Status</th>
                {canEdit && (
                  <th scope="col">
                    <span className={styles.srOnly}>Edit</span>
                  </th>
                )}
                {canEdit && (
                  <th scope="col">
                    <span className={styles.srOnly}>Delete</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {imports.map((row) => (
                <ImportTableRow
                  key={row.id}
                  row={row}
                  canEdit={canEdit}
                  showManager={showManager}
                  returnTo={returnTo}
                  starting={starting === row.id}
                  onGo={(e) => go(e, row)}
                  goFormAction={goFormAction}
                  reviewGoFormAction={reviewGoFormAction}
                  deleteFormAction={deleteFormAction}
                />
              ))}
              {drafts.length > 0 && (
                <UnfinishedRow
                  drafts={drafts}
                  columnCount={columnCount}
                  retentionDays={draftRetentionDays}
                  canEdit={canEdit}
                  showManager={showManager}
                  returnTo={returnTo}
                  deleteFormAction={deleteFormAction}
                  deleteDraftsFormAction={deleteDraftsFormAction}
                />
              )}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

/** One line for every unfinished setup (draft): opens to the list, each with "Continue setup", and "Delete all". */
function UnfinishedRow({
  drafts,
  columnCount,
  retentionDays,
  canEdit,
  showManager,
  returnTo,
  deleteFormAction,
  deleteDraftsFormAction,
}: {
  drafts: ImportRow[];
  columnCount: number;
  retentionDays: number;
  canEdit: boolean;
  showManager: boolean;
  returnTo: string;
  deleteFormAction: (formData: FormData) => void;
  deleteDraftsFormAction: (formData: FormData) => void;
}) {
  return (
    <tr data-unfinished className={styles.unfinishedRow}>
      <td colSpan={columnCount} data-label="Unfinished">
        <details className={styles.unfinished}>
          <summary>
            Unfinished: {plural(drafts.length, "import")} not set up yet
            <span className={styles.sub}>Each is removed when left unchanged for {plural(retentionDays, "day")}.</span>
          </summary>
          <ul className={styles.unfinishedList}>
            {drafts.map((d) => (
              <li key={d.id} data-sync-id={d.id}>
                <span className={styles.unfinishedName}>{d.name}</span>
                <span className={styles.sub}>
                  {showManager && <>in {d.managerName} · </>}
                  {sourceText(d)}
                </span>
                {canEdit && (
                  <span className={styles.unfinishedActions}>
                    <Link href={importEditPath(d.managerId, d.id)} aria-label={`Continue setting up “${d.name}”`}>
                      Continue setup
                    </Link>
                    <form action={deleteFormAction}>
                      <input type="hidden" name="syncId" value={d.id} />
                      <input type="hidden" name="returnTo" value={returnTo} />
                      <button type="submit" className="btn btn-secondary btn-small" aria-label={`Delete “${d.name}”`}>
                        Delete
                      </button>
                    </form>
                  </span>
                )}
              </li>
            ))}
          </ul>
          {canEdit && (
            <form action={deleteDraftsFormAction} className={styles.unfinishedAll}>
              {drafts.map((d) => (
                <input key={d.id} type="hidden" name="syncIds" value={d.id} />
              ))}
              <input type="hidden" name="returnTo" value={returnTo} />
              <button type="submit" className="btn btn-danger btn-small">
                Delete all {plural(drafts.length, "unfinished import")}
              </button>
            </form>
          )}
        </details>
      </td>
    </tr>
  );
}

/**
 * "Go" of an import that deletes contacts missing from the file: Go opens its review (a dry run: what would be
 * created, updated, deleted) with "Run Import" after it; "Run without review" is the plain Go.
 */
function ReviewFirstGo({
  row,
  busy,
  returnTo,
  reviewGoFormAction,
  goFormAction,
  onGo,
}: {
  row: ImportRow;
  busy: boolean;
  returnTo: string;
  reviewGoFormAction: (formData: FormData) => void;
  goFormAction: (formData: FormData) => void;
  onGo: (e: React.FormEvent<HTMLFormElement>) => void;
}) {
  return (
    <div className={styles.goPair}>
      <form action={reviewGoFormAction}>
        <input type="hidden" name="managerId" value={row.managerId} />
        <input type="hidden" name="syncId" value={row.id} />
        <input type="hidden" name="from" value="go" />
        <button
          type="submit"
          className="btn btn-primary btn-small"
          disabled={busy}
          aria-label={`Go: review what importing “${row.name}” would change, then run it`}
        >
          Go
        </button>
      </form>
      <form action={goFormAction} onSubmit={onGo}>
        <input type="hidden" name="syncId" value={row.id} />
        <input type="hidden" name="returnTo" value={returnTo} />
        <button
          type="submit"
          className="btn btn-secondary btn-small"
          disabled={busy}
          aria-label={`Run “${row.name}” without review`}
        >
          Run without review
        </button>
      </form>
    </div>
  );
}

function ImportTableRow({
  row,
  canEdit,
  showManager,
  returnTo,
  starting,
  onGo,
  goFormAction,
  reviewGoFormAction,
  deleteFormAction,
}: {
  row: ImportRow;
  canEdit: boolean;
  showManager: boolean;
  returnTo: string;
  starting: boolean;
  onGo: (e: React.FormEvent<HTMLFormElement>) => void;
  goFormAction: (formData: FormData) => void;
  reviewGoFormAction: (formData: FormData) => void;
  deleteFormAction: (formData: FormData) => void;
}) {
  const latest = row.latestRun;
  const active = row.activeRun;
  const zone = row.schedule ? safeZone(row.schedule.tz) : null;
  const cli = row.origin === "cli";
  return (
    <tr data-sync-id={row.id} data-status={row.status}>
      <td data-label="Name" className={styles.nameCell}>
        <Link href={runsPath(row.managerId, row.id)} className={styles.name}>
          {row.name}
        </Link>
        <span className={styles.sub}>
          {showManager && (
            <>
              in <Link href={importsPath(row.managerId)}>{row.managerName}</Link> ·{" "}
            </>
          )}
          {sourceText(row)}
          {cli && " · command line"}
          {row.state === "draft" && " · draft"}
          {row.pendingEditSince && " · unfinished edit (runs use the saved settings)"}
        </span>
      </td>
      <td data-label="Latest Import">
        <div>
          {latest ? (
            <>
              <Link href={runPath(row.managerId, row.id, latest.id)} aria-label={`Latest run of ${row.name}`}>
                <LocalTime iso={latest.finishedAt ?? latest.startedAt ?? latest.queuedAt} />
              </Link>
              <span className={styles.sub}>{runSummary(latest)}</span>
            </>
          ) : (
            <span className="muted">Never</span>
          )}
        </div>
      </td>
      <td data-label="Next Import">
        <div>
          {row.nextRunAt && zone ? (
            <>
              <LocalTime iso={row.nextRunAt} />
              <ScheduleZoneTime iso={row.nextRunAt} zone={zone} className={styles.sub} />
            </>
          ) : (
            <span className="muted">{row.remote ? (row.state === "draft" ? "—" : "Not scheduled") : "—"}</span>
          )}
        </div>
      </td>
      {canEdit && (
        <td data-label="Import Now">
          <div>
            {row.remote && row.state === "active" && !cli && row.deleteMissing ? (
              <ReviewFirstGo
                row={row}
                busy={Boolean(active) || starting}
                returnTo={returnTo}
                reviewGoFormAction={reviewGoFormAction}
                goFormAction={goFormAction}
                onGo={onGo}
              />
            ) : row.remote && row.state === "active" && !cli ? (
              <form action={goFormAction} onSubmit={onGo}>
                <input type="hidden" name="syncId" value={row.id} />
                <input type="hidden" name="returnTo" value={returnTo} />
                <button
                  type="submit"
                  className="btn btn-primary btn-small"
                  disabled={Boolean(active) || starting}
                  aria-label={`Go: import “${row.name}” now`}
                  title={active ? "This import is running" : undefined}
                >
                  {starting ? "Starting…" : "Go"}
                </button>
              </form>
            ) : (
              <span
                className="muted"
                title={
                  row.sourceKind === "upload"
                    ? "Uploaded files run once; edit the import to upload a new file."
                    : undefined
                }
              >
                {row.sourceKind === "upload" ? "Upload" : "—"}
              </span>
            )}
          </div>
        </td>
      )}
      <td data-label="Status" className={styles.statusCell}>
        <div>
          <StatusCell row={row} />
        </div>
      </td>
      {canEdit && (
        <td data-label="Edit" className={styles.actionCell}>
          {!cli && (
            <Link
              href={importEditPath(row.managerId, row.id)}
              aria-label={`${row.state === "draft" ? "Continue setting up" : editLabel(row)} “${row.name}”`}
            >
              {row.state === "draft" ? "Continue setup" : editLabel(row)}
            </Link>
          )}
        </td>
      )}
      {canEdit && (
        <td data-label="Delete" className={styles.actionCell}>
          <details className={styles.confirm}>
            <summary aria-label={`Delete “${row.name}”…`}>Delete</summary>
            <form action={deleteFormAction} className={styles.confirmBox}>
              <input type="hidden" name="syncId" value={row.id} />
              <input type="hidden" name="returnTo" value={returnTo} />
              <p>
                Delete “{row.name}”? It leaves this list and never runs again. Its run history and the contacts it
                imported are kept.
              </p>
              <button type="submit" className="btn btn-danger btn-small" disabled={Boolean(active)}>
                Delete import
              </button>
            </form>
          </details>
        </td>
      )}
    </tr>
  );
}

function StatusCell({ row }: { row: ImportRow }) {
  const active = row.activeRun;
  if (active)
    return <RunProgress status={active.status} progress={active.progress} label={`Progress of ${row.name}`} />;
  if (!row.unchangedSince) return <StatusOf row={row} />;
  // Skipped as unchanged: the outcome of the run that applied this file still holds.
  return (
    <>
      <StatusOf row={row} />
      <span className={styles.sub}>
        unchanged since <LocalTime iso={row.unchangedSince} />
      </span>
    </>
  );
}

function StatusOf({ row }: { row: ImportRow }) {
  const latest = row.appliedRun ?? row.latestRun;
  switch (row.status) {
    case "ok":
      return (
        <span className={`${styles.okMark}`}>
          <span className={styles.markIcon} aria-hidden="true">
            ✓
          </span>
          <span>OK</span>
        </span>
      );
    case "errors":
      return (
        <StatusMark
          kind="warn"
          label={plural(latest?.errorCount ?? 0, "error")}
          title="Completed with errors"
          errors={row.errors}
          more={row.moreErrors}
        />
      );
    case "blocked":
      return (
        <StatusMark
          kind="warn"
          label="Blocked"
          title="Blocked by the safety rule: open the run to approve it."
          errors={row.errors}
          more={row.moreErrors}
        />
      );
    case "failed":
      return (
        <StatusMark
          kind="error"
          label="Failed"
          title="Failed: nothing was changed."
          errors={row.errors}
          more={row.moreErrors}
        />
      );
    case "draft":
      return <span className="muted">Draft</span>;
    default:
      return <span className="muted">Not run yet</span>;
  }
}

function sourceText(row: ImportRow): string {
  if (row.sourceKind === "upload") return "uploaded file";
  if (!row.location) return row.sourceKind ?? "no source yet";
  try {
    const u = new URL(row.location);
    return `${u.protocol.replace(":", "").toUpperCase()} · ${u.host}${u.pathname}`;
  } catch {
    return row.location;
  }
}

function runSummary(run: NonNullable<ImportRow["latestRun"]>): string {
  const label = statusLabels[run.status] ?? run.status;
  if (run.status === "failed" || run.status === "skipped_unchanged") return label;
  const n = (v: number) => v.toLocaleString("en-US");
  const counts = `${n(run.created)} created · ${n(run.updated)} updated · ${n(run.deleted)} deleted`;
  if (run.status === "blocked") return `${label}: would be ${counts}`;
  return `${label}${run.revertedAt ? " (reverted)" : ""}: ${counts}`;
}

/** An active import's edit link: "Continue editing" while an edit of it is unfinished. */
function editLabel(row: ImportRow): string {
  return row.pendingEditSince ? "Continue editing" : "Edit";
}
