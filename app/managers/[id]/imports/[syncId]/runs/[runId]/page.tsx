import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { z } from "zod";
import { getDb } from "@/db/client";
import { requireUser } from "@/lib/auth/guard";
import { hasRole } from "@/lib/auth/roles";
import { computeProgress } from "@/lib/runs/progress";
import { getRunDetail, listRunErrors, toRunView } from "@/lib/runs/queries";
import { checkApproval } from "@/lib/runs/approve";
import { checkRevert } from "@/lib/runs/revert";
import { ActionForm } from "@/app/_components/ActionForm";
import { PagePagination, pageNumber } from "@/app/_components/Pagination";
import { SubmitButton } from "@/app/_components/SubmitButton";
import { formatDuration, plural, triggerLabels } from "@/app/_components/imports/format";
import { Flash } from "@/app/_components/Flash";
import { LiveRunProgress } from "@/app/_components/imports/LiveRunProgress";
import { LocalTime } from "@/app/_components/imports/LocalTime";
import { PlanSampleTable } from "@/app/_components/imports/PlanSampleTable";
import { RunCounts } from "@/app/_components/imports/RunCounts";
import { RunStatusText } from "@/app/_components/imports/RunStatusText";
import styles from "@/app/_components/imports/imports.module.css";
import { approveRunAction, revertRunAction } from "@/app/managers/[id]/imports/[syncId]/runs/actions";
import { importsPath, managerPath, runFilePath, runPath, runsPath } from "@/lib/paths";

export const metadata: Metadata = { title: "Run — Contact Sync" };
const ERRORS_PAGE_SIZE = 100;

/** One run: what it did (or would have done), its row errors, and approve / revert. */
export default async function RunPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string; syncId: string; runId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const user = await requireUser("viewer");
  const p = z.object({ id: z.uuid(), syncId: z.uuid(), runId: z.uuid() }).safeParse(await params);
  if (!p.success) notFound();
  const db = getDb();
  const detail = await getRunDetail(db, p.data.runId);
  if (!detail || detail.sync.id !== p.data.syncId || detail.sync.managerId !== p.data.id) notFound();
  const sp = await searchParams;
  const { run, sync } = detail;
  const canEdit = hasRole(user.role, "editor");
  const active = run.status === "queued" || run.status === "running";
  const completed = run.status === "succeeded" || run.status === "completed_with_errors";
  const revert = completed ? await checkRevert(db, run.id) : null;
  const approval = run.status === "blocked" ? await checkApproval(db, run) : null;
  const page = pageNumber(sp.page, 1_000_000);
  const { errors, total: storedErrors } = await listRunErrors(db, { runId: run.id, page, pageSize: ERRORS_PAGE_SIZE });
  const base = runsPath(sync.managerId, sync.id);
  const when = (run.startedAt ?? run.queuedAt).toISOString();
  const duration = run.startedAt && run.finishedAt ? (run.finishedAt.getTime() - run.startedAt.getTime()) / 1000 : null;

  return (
    <main>
      <p className="breadcrumb">
        <Link href="/managers">Contact Managers</Link> ›{" "}
        <Link href={managerPath(sync.managerId)}>{detail.managerName}</Link> ›{" "}
        <Link href={importsPath(sync.managerId)}>Imports</Link> › <Link href={base}>{sync.name}</Link> ›
      </p>
      <h1>
        Run of “{sync.name}”
        <span className={styles.sub}>
          <LocalTime iso={when} />
        </span>
      </h1>
      <Flash notice={sp.notice} />

      <dl className={styles.facts}>
        <dt>Status</dt>
        <dd>
          <RunStatusText status={run.status} reverted={Boolean(run.revertedAt)} />
        </dd>
        <dt>Trigger</dt>
        <dd>
          {triggerLabels[run.trigger] ?? run.trigger}
          {detail.requestedByEmail && <> by {detail.requestedByEmail}</>}
          {run.dryRun && " (dry run: nothing was applied)"}
        </dd>
        {run.approvesRunId && (
          <>
            <dt>Approves</dt>
            <dd>
              <Link href={runPath(sync.managerId, sync.id, run.approvesRunId)}>the blocked run</Link>
            </dd>
          </>
        )}
        <dt>Queued</dt>
        <dd>
          <LocalTime iso={run.queuedAt.toISOString()} />
        </dd>
        {run.finishedAt && (
          <>
            <dt>Finished</dt>
            <dd>
              <LocalTime iso={run.finishedAt.toISOString()} />
              {duration !== null && <> ({formatDuration(duration)})</>}
            </dd>
          </>
        )}
        {run.sourceName && (
          <>
            <dt>File</dt>
            <dd>{run.sourceName}</dd>
          </>
        )}
        {run.fingerprint?.sha256 && (
          <>
            <dt>Content SHA-256</dt>
            <dd>
              <code>{run.fingerprint.sha256}</code>
            </dd>
          </>
        )}
        {run.message && (
          <>
            <dt>Message</dt>
            <dd>{run.message}</dd>
          </>
        )}
        {run.warning && (
          <>
            <dt>Warning</dt>
            <dd className="warn-box" role="status">
              {run.warning}
            </dd>
          </>
        )}
      </dl>

      {active && (
        <section className={styles.panel} aria-labelledby="progress-heading">
          <h2 id="progress-heading">Progress</h2>
          <LiveRunProgress
            syncId={sync.id}
            runId={run.id}
            initial={{ ...toRunView(run), progress: computeProgress(run) }}
          />
        </section>
      )}

      {!active && run.status !== "failed" && run.status !== "skipped_unchanged" && (
        <section aria-labelledby="counts-heading">
          <h2 id="counts-heading">
            {run.status === "blocked" ? "What this run would have changed" : "What this run changed"}
          </h2>
          <RunCounts run={run} errors="errors" />
        </section>
      )}

      {run.status === "blocked" && (
        <section className={`${styles.panel} ${styles.panelWarn}`} aria-labelledby="approve-heading">
          <h2 id="approve-heading">Blocked by the safety rule</h2>
          {run.trigger === "approval" ? (
            <p>
              This approval run found something else than what was approved, so nothing was applied (the reason is in
              the message above). Check the counts above. If they are right, approve this run in turn.
            </p>
          ) : (
            <p>
              This run would have gone over the import&apos;s safety limits (the message above says which), so nothing
              was applied. Check who it would delete and update below. If the file is right, approve the run: the import
              runs again now and applies only this plan — if the file or the contacts have changed meanwhile, the
              approval run is blocked again with the new counts.
            </p>
          )}
          {approval?.state === "approved" ? (
            <p>
              Approved: see <Link href={runPath(sync.managerId, sync.id, approval.runId)}>the approval run</Link>.
            </p>
          ) : approval?.state === "stale" ? (
            <p className="muted">
              A later run of this import has finished since, so this plan is out of date and can no longer be approved.
            </p>
          ) : canEdit && sync.state === "active" ? (
            <ActionForm action={approveRunAction} ariaLabel="Approve and run">
              <input type="hidden" name="runId" value={run.id} />
              <SubmitButton pendingLabel="Starting…">Approve and run</SubmitButton>
            </ActionForm>
          ) : (
            <p className="muted">
              {sync.state !== "active" ? "This import has been deleted." : "An editor can approve this run."}
            </p>
          )}
        </section>
      )}

      {run.planSample && (run.status === "blocked" || run.dryRun) && (
        <PlanSampleTable
          sample={run.planSample}
          deleted={run.deleted}
          updated={run.updated}
          deletedCsv={runFilePath(sync.managerId, sync.id, run.id, "plan-deleted.csv")}
          updatedCsv={runFilePath(sync.managerId, sync.id, run.id, "plan-updated.csv")}
        />
      )}

      {completed && (
        <section className={styles.panel} aria-labelledby="revert-heading">
          <h2 id="revert-heading">Revert this run</h2>
          {run.revertedAt ? (
            <p>
              Reverted on <LocalTime iso={run.revertedAt.toISOString()} />
              {detail.revertedByEmail && <> by {detail.revertedByEmail}</>}.
            </p>
          ) : revert && !revert.ok ? (
            <p>{revert.reason}</p>
          ) : canEdit ? (
            <ActionForm action={revertRunAction} ariaLabel="Revert this run">
              <input type="hidden" name="runId" value={run.id} />
              <p>
                Contacts this run created are removed, contacts it updated get their previous values back (passwords
                included), and contacts it deleted are restored — all at once, or nothing. The file is not imported
                again while it stays unchanged.
              </p>
              <p>
                <label>
                  <input type="checkbox" name="confirm" value="yes" required /> I want to undo the changes of this run
                </label>
              </p>
              <SubmitButton variant="danger" pendingLabel="Reverting…">
                Revert this run
              </SubmitButton>
            </ActionForm>
          ) : (
            <p className="muted">An editor can revert this run.</p>
          )}
        </section>
      )}

      <section id="errors" aria-labelledby="errors-heading">
        <h2 id="errors-heading">Row errors</h2>
        {run.errorCount === 0 ? (
          <p className="muted">No row errors.</p>
        ) : (
          <>
            <p>
              {plural(run.errorCount, "row error")}
              {storedErrors < run.errorCount && <> (the first {storedErrors.toLocaleString("en-US")} are kept)</>}.{" "}
              <a
                className="btn btn-secondary btn-small"
                href={runFilePath(sync.managerId, sync.id, run.id, "errors.csv")}
                download
              >
                Download errors as CSV
              </a>
            </p>
            <div className={styles.tableWrap}>
              <table className={styles.errorsTable}>
                <thead>
                  <tr>
                    <th scope="col">Line</th>
                    <th scope="col">Column</th>
                    <th scope="col">Error</th>
                  </tr>
                </thead>
                <tbody>
                  {errors.map((e) => (
                    <tr key={e.id}>
                      <td>{e.line ?? "—"}</td>
                      <td>{e.column ?? ""}</td>
                      <td>{e.message}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <PagePagination
              path={runPath(sync.managerId, sync.id, run.id)}
              params={{}}
              page={page}
              pageCount={Math.ceil(storedErrors / ERRORS_PAGE_SIZE)}
            />
          </>
        )}
      </section>
    </main>
  );
}
