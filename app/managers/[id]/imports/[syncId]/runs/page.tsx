import type { Metadata } from "next";
import Link from "next/link";
import { getDb } from "@/db/client";
import { requireUser } from "@/lib/auth/guard";
import { listRunsBySyncId } from "@/lib/runs/queries";
import { PagePagination, pageNumber } from "@/app/_components/Pagination";
import { formatDuration, plural, triggerLabels } from "@/app/_components/imports/format";
import { LocalTime } from "@/app/_components/imports/LocalTime";
import { RunStatusText } from "@/app/_components/imports/RunStatusText";
import styles from "@/app/_components/imports/imports.module.css";
import { loadSync } from "@/app/managers/[id]/imports/[syncId]/runs/load";
import { importsPath, managerPath, runPath, runsPath } from "@/lib/paths";

export const metadata: Metadata = { title: "Run history — Contact Sync" };
const PAGE_SIZE = 50;

/** Every run of one import, newest first. */
export default async function RunHistoryPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string; syncId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requireUser("viewer");
  const sync = await loadSync(await params);
  const sp = await searchParams;
  const page = pageNumber(sp.page, 100_000);
  const { runs, total } = await listRunsBySyncId(getDb(), { syncId: sync.id, page, pageSize: PAGE_SIZE });
  const base = runsPath(sync.managerId, sync.id);

  return (
    <main>
      <p className="breadcrumb">
        <Link href="/managers">Contact Managers</Link> ›{" "}
        <Link href={managerPath(sync.managerId)}>{sync.managerName}</Link> ›{" "}
        <Link href={importsPath(sync.managerId)}>Imports</Link> ›
      </p>
      <h1>Run history of “{sync.name}”</h1>
      {sync.state === "deleted" && (
        <div className="notice" role="status">
          <p>
            This import was deleted
            {sync.deletedAt ? (
              <>
                {" "}
                on <LocalTime iso={sync.deletedAt.toISOString()} />
              </>
            ) : null}
            . Its history is kept here.
          </p>
        </div>
      )}
      <p className="muted">
        {plural(total, "run")}
        {sync.location ? <> · source {sync.location}</> : sync.sourceKind === "upload" ? " · uploaded file" : null}
      </p>
      {runs.length === 0 ? (
        <p className="empty">This import has not run yet.</p>
      ) : (
        <div className={styles.tableWrap}>
          <table className={`table ${styles.imports}`}>
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col">Trigger</th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
                <th scope="col">Updated</th>
                <th scope="col">Deleted</th>
                <th scope="col">Unchanged</th>
                <th scope="col">Errors</th>
                <th scope="col">Duration</th>
                <th scope="col">Message</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((r) => {
                const started = r.startedAt ?? r.queuedAt;
                const duration =
                  r.startedAt && r.finishedAt ? (Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 1000 : null;
                return (
                  <tr key={r.id} data-run-id={r.id}>
                    <td data-label="Started" className={styles.nameCell}>
                      <Link
                        href={runPath(sync.managerId, sync.id, r.id)}
                        aria-label={`Run of ${new Date(started).toISOString().slice(0, 16).replace("T", " ")} UTC: details`}
                      >
                        <LocalTime iso={started} />
                      </Link>
                    </td>
                    <td data-label="Trigger">
                      <div>
                        {triggerLabels[r.trigger] ?? r.trigger}
                        {r.requestedByEmail && <span className={styles.sub}>by {r.requestedByEmail}</span>}
                      </div>
                    </td>
                    <td data-label="Status">
                      <RunStatusText status={r.status} reverted={Boolean(r.revertedAt)} />
                    </td>
                    <td data-label="Created">{r.created.toLocaleString("en-US")}</td>
                    <td data-label="Updated">{r.updated.toLocaleString("en-US")}</td>
                    <td data-label="Deleted">{r.deleted.toLocaleString("en-US")}</td>
                    <td data-label="Unchanged">{r.unchanged.toLocaleString("en-US")}</td>
                    <td data-label="Errors">
                      {r.errorCount > 0 ? (
                        <Link href={`${runPath(sync.managerId, sync.id, r.id)}#errors`}>
                          {r.errorCount.toLocaleString("en-US")}
                        </Link>
                      ) : (
                        "0"
                      )}
                    </td>
                    <td data-label="Duration">{duration !== null ? formatDuration(duration) : "—"}</td>
                    <td data-label="Message">{r.message ?? ""}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <PagePagination path={base} params={{}} page={page} pageCount={Math.ceil(total / PAGE_SIZE)} />
    </main>
  );
}
