"use client";

import Link from "next/link";
import { useActionState, useEffect, useRef, useState } from "react";
import type { ActionState } from "@/lib/auth/guard";
import type { ImportRow } from "@/lib/runs/queries";
import { formatInZone, plural, safeZone, statusLabels } from "./format";
import { LocalTime } from "./LocalTime";
import { RunProgress } from "./RunProgress";
import { StatusMark } from "./StatusMark";
import styles from "./imports.module.css";

type Action = (prev: ActionState, formData: FormData) => Promise<ActionState>;

const POLL_MS = 1500;
const POLL_BACKOFF_MS = 10_000;

/**
 * The imports list (SPEC §7). Rendered on the server with the rows, so it reads and works without
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
}) {
  const [rows, setRows] = useState(initialRows);
  const [announcement, setAnnouncement] = useState("");
  const [apiError, setApiError] = useState<string | null>(null);
  const [starting, setStarting] = useState<string | null>(null);
  const [goState, goFormAction] = useActionState(goAction, {});
  const [deleteState, deleteFormAction] = useActionState(deleteAction, {});
  const previous = useRef(initialRows);

  useEffect(() => setRows(initialRows), [initialRows]);

  const listParams = new URLSearchParams();
  if (managerId) listParams.set("managerId", managerId);
  if (pageQuery?.after) listParams.set("after", pageQuery.after);
  else if (pageQuery?.before) listParams.set("before", pageQuery.before);
  const listUrl = listParams.size ? `/api/syncs?${listParams}` : "/api/syncs";
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
      setAnnouncement(finished.map((r) => `Import “${r.name}” finished: ${statusLabels[r.latestRun!.status] ?? r.latestRun!.status}.`).join(" "));
    }
    previous.current = rows;
  }, [rows]);

  async function go(e: React.FormEvent<HTMLFormElement>, row: ImportRow) {
    e.preventDefault();
    setApiError(null);
    setStarting(row.id);
    try {
      const res = await fetch(`/api/syncs/${row.id}/run`, { method: "POST", headers: { accept: "application/json" } });
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

  const message = apiError ?? (goState.ok ? null : goState.message) ?? (deleteState.ok ? null : deleteState.message);

  return (
    <>
      <div aria-live="polite" role="status" className={styles.srOnly}>{announcement}</div>
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
                {canEdit && <th scope="col"><span className={styles.srOnly}>Edit</span></th>}
                {canEdit && <th scope="col"><span className={styles.srOnly}>Delete</span></th>}
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <ImportTableRow
                  key={row.id}
                  row={row}
                  canEdit={canEdit}
                  showManager={showManager}
                  returnTo={returnTo}
                  starting={starting === row.id}
                  onGo={(e) => go(e, row)}
                  goFormAction={goFormAction}
                  deleteFormAction={deleteFormAction}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
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
  deleteFormAction,
}: {
  row: ImportRow;
  canEdit: boolean;
  showManager: boolean;
  returnTo: string;
  starting: boolean;
  onGo: (e: React.FormEvent<HTMLFormElement>) => void;
  goFormAction: (formData: FormData) => void;
  deleteFormAction: (formData: FormData) => void;
}) {
  const base = `/managers/${row.managerId}/imports/${row.id}`;
  const latest = row.latestRun;
  const active = row.activeRun;
  const zone = row.schedule ? safeZone(row.schedule.tz) : null;
  const cli = row.origin === "cli";
  return (
    <tr data-sync-id={row.id} data-status={row.status}>
      <td data-label="Name" className={styles.nameCell}>
        <Link href={`${base}/runs`} className={styles.name}>{row.name}</Link>
        <span className={styles.sub}>
          {showManager && <>in <Link href={`/managers/${row.managerId}/imports`}>{row.managerName}</Link> · </>}
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
              <Link href={`${base}/runs/${latest.id}`} aria-label={`Latest run of ${row.name}`}>
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
              <time dateTime={row.nextRunAt}>{formatInZone(row.nextRunAt, zone)}</time> <span className={styles.zone}>{zone.replaceAll("_", " ")}</span>
              <span className={styles.sub}>
                <LocalTime iso={row.nextRunAt} prefix="Your time: " hideInZone={zone} />
              </span>
            </>
          ) : (
            <span className="muted">{row.remote ? (row.state === "draft" ? "—" : "Not scheduled") : "—"}</span>
          )}
        </div>
      </td>
      {canEdit && (
        <td data-label="Import Now">
          <div>
            {row.remote && row.state === "active" && !cli ? (
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
              <span className="muted" title={row.sourceKind === "upload" ? "Uploaded files run once; edit the import to upload a new file." : undefined}>
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
            <Link href={`${base}/edit`} aria-label={`${row.state === "draft" ? "Continue setting up" : editLabel(row)} “${row.name}”`}>
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
                Delete “{row.name}”? It leaves this list and never runs again. Its run history and the contacts it imported are kept.
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
  if (active) return <RunProgress status={active.status} progress={active.progress} label={`Progress of ${row.name}`} />;
  const latest = row.latestRun;
  switch (row.status) {
    case "ok":
      return (
        <span className={`${styles.okMark}`}>
          <span className={styles.markIcon} aria-hidden="true">✓</span>
          <span>{latest?.status === "skipped_unchanged" ? "Unchanged" : "OK"}</span>
        </span>
      );
    case "errors":
      return <StatusMark kind="warn" label={plural(latest?.errorCount ?? 0, "error")} title="Completed with errors" errors={row.errors} more={row.moreErrors} />;
    case "blocked":
      return <StatusMark kind="warn" label="Blocked" title="Blocked by the safety rule: open the run to approve it." errors={row.errors} more={row.moreErrors} />;
    case "failed":
      return <StatusMark kind="error" label="Failed" title="Failed: nothing was changed." errors={row.errors} more={row.moreErrors} />;
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
