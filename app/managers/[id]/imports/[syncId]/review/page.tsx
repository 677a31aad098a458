import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { z } from "zod";
import { getDb } from "@/db/client";
import { requireUser } from "@/lib/auth/guard";
import { getManager } from "@/lib/managers/queries";
import { computeProgress } from "@/lib/runs/progress";
import { toRunView } from "@/lib/runs/queries";
import { isRemote } from "@/lib/vocabulary";
import { getWizardSync } from "@/lib/wizard/draft-store";
import { importsPath, managerPath, runFilePath, wizardPath } from "@/lib/paths";
import { isDuplicateError, loadReview, REVIEW_ERRORS_SHOWN } from "@/lib/wizard/review";
import { ActionForm } from "@/app/_components/ActionForm";
import { SubmitButton } from "@/app/_components/SubmitButton";
import { LiveRunProgress } from "@/app/_components/imports/LiveRunProgress";
import { PlanSampleTable } from "@/app/_components/imports/PlanSampleTable";
import { RunCounts } from "@/app/_components/imports/RunCounts";
import styles from "@/app/_components/imports/imports.module.css";
import "@/app/_components/wizard/wizard.css";
import { runAfterReviewAction } from "@/app/managers/[id]/imports/[syncId]/review/actions";

export const metadata: Metadata = { title: "Review the import — Contact Sync" };

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/**
 * The review before writing: what a run of the whole file would do (a dry run: nothing is changed), with
 * its row errors and duplicate keys; "Run Import" then runs it for real ("Schedule import" for a scheduled setup).
 */
export default async function ReviewPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string; syncId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requireUser("editor");
  const p = z.object({ id: z.uuid(), syncId: z.uuid() }).safeParse(await params);
  if (!p.success) notFound();
  const sp = await searchParams;
  const db = getDb();
  const manager = await getManager(db, p.data.id);
  if (!manager) notFound();
  const sync = await getWizardSync(db, manager.id, p.data.syncId);
  if (!sync) notFound();
  const review = await loadReview(db, sync.id, one(sp.run) ?? "");
  if (!review) notFound();
  const from = one(sp.from) === "go" ? "go" : "wizard";
  // A scheduled setup reviewed at the end of the wizard: its button schedules the import (it runs at its times).
  const schedules = from === "wizard" && one(sp.finish) === "schedule" && !!sync.schedule;
  const { run, errors } = review;
  const active = run.status === "queued" || run.status === "running";
  const duplicates = errors.filter(isDuplicateError);
  const otherErrors = errors.filter((e) => !isDuplicateError(e));
  const backHref =
    from === "go"
      ? importsPath(manager.id)
      : wizardPath(manager.id, sync.id, isRemote(sync.sourceKind) ? "schedule" : "mapping");

  return (
    <main>
      <p className="breadcrumb">
        <Link href="/managers">Contact Managers</Link> › <Link href={managerPath(manager.id)}>{manager.name}</Link> ›{" "}
        <Link href={importsPath(manager.id)}>Imports</Link> ›
      </p>
      <h1>Review: {sync.name}</h1>
      <p className="muted">
        A trial run of the whole file: nothing has been changed yet. Check what the import would do, then run it.
      </p>

      {active ? (
        <section className={styles.panel} aria-labelledby="progress-heading">
          <h2 id="progress-heading">Reading the file…</h2>
          <LiveRunProgress
            syncId={sync.id}
            runId={run.id}
            initial={{ ...toRunView(run), progress: computeProgress(run) }}
          />
        </section>
      ) : run.status === "failed" ? (
        <div className="error-box" role="alert">
          <p>
            <strong>The file cannot be imported as it is.</strong> {run.message}
          </p>
        </div>
      ) : (
        <>
          <section aria-labelledby="counts-heading">
            <h2 id="counts-heading">What the import would do</h2>
            <RunCounts run={run} errors="skipped" testId="review-counts" />
            {run.message && <p className="hint">{run.message}</p>}
          </section>
          {run.planSample && (run.deleted > 0 || run.updated > 0) && (
            <PlanSampleTable
              sample={run.planSample}
              deleted={run.deleted}
              updated={run.updated}
              deletedCsv={runFilePath(manager.id, sync.id, run.id, "plan-deleted.csv")}
              updatedCsv={runFilePath(manager.id, sync.id, run.id, "plan-updated.csv")}
            />
          )}
          {duplicates.length > 0 && (
            <section className={`${styles.panel} ${styles.panelWarn}`} aria-labelledby="dups-heading">
              <h2 id="dups-heading">Duplicate keys</h2>
              <p>The first row of each key is imported; these later rows are skipped.</p>
              <ul className="mapped-list">
                {duplicates.map((e, i) => (
                  <li key={i}>
                    Line {e.line}: {e.message}
                  </li>
                ))}
              </ul>
            </section>
          )}
          {otherErrors.length > 0 && (
            <section className={styles.panel} aria-labelledby="errors-heading">
              <h2 id="errors-heading">Row errors</h2>
              <p>These rows would be skipped and reported; the other rows are imported.</p>
              <ul className="mapped-list">
                {otherErrors.map((e, i) => (
                  <li key={i}>
                    Line {e.line}
                    {e.column ? `, column “${e.column}”` : ""}: {e.message}
                  </li>
                ))}
              </ul>
              {run.errorCount > REVIEW_ERRORS_SHOWN && (
                <p className="hint">
                  The first {REVIEW_ERRORS_SHOWN} of {run.errorCount.toLocaleString("en-US")} are shown; the run reports
                  them all.
                </p>
              )}
            </section>
          )}
        </>
      )}

      <div className="wizard-nav">
        <Link href={backHref} className="btn btn-secondary">
          Back
        </Link>
        {!active && run.status !== "failed" && (
          <div className="right">
            <ActionForm action={runAfterReviewAction} ariaLabel="Run the import">
              <input type="hidden" name="managerId" value={manager.id} />
              <input type="hidden" name="syncId" value={sync.id} />
              <input type="hidden" name="from" value={from} />
              {schedules && (
                <>
                  <input type="hidden" name="finish" value="schedule" />
                  <p className="hint">
                    Nothing is imported now: the import runs at the times set on the schedule step.
                  </p>
                </>
              )}
              <SubmitButton pendingLabel={schedules ? "Saving…" : "Starting…"}>
                {schedules ? "Schedule import" : "Run Import"}
              </SubmitButton>
            </ActionForm>
          </div>
        )}
      </div>
    </main>
  );
}
