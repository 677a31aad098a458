import type { Run } from "@/db/schema";

/** When a run was queued, started and ended, and what it did: the part of a run every view of it shows. */
export type RunTimesAndCounts = {
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
  errorCount: number;
};

/** A run as the JSON API and webhooks show it (dates as ISO strings). */
export type RunJson = RunTimesAndCounts & {
  id: string;
  syncId: string;
  trigger: Run["trigger"];
  status: Run["status"];
  dryRun: boolean;
  rowsRead: number;
  message: string | null;
  sourceName: string | null;
  approvesRunId: string | null;
  revertedAt: string | null;
};

const iso = (d: Date | null) => d?.toISOString() ?? null;

/** A run's times and counts, the times as ISO strings so they survive JSON as they are. */
export function runTimesAndCounts(
  r: Pick<
    Run,
    "queuedAt" | "startedAt" | "finishedAt" | "created" | "updated" | "deleted" | "unchanged" | "errorCount"
  >,
): RunTimesAndCounts {
  return {
    queuedAt: r.queuedAt.toISOString(),
    startedAt: iso(r.startedAt),
    finishedAt: iso(r.finishedAt),
    created: r.created,
    updated: r.updated,
    deleted: r.deleted,
    unchanged: r.unchanged,
    errorCount: r.errorCount,
  };
}

export function runJson(r: Run): RunJson {
  return {
    id: r.id,
    syncId: r.syncId,
    trigger: r.trigger,
    status: r.status,
    dryRun: r.dryRun,
    ...runTimesAndCounts(r),
    rowsRead: r.rowsRead,
    message: r.message,
    sourceName: r.sourceName,
    approvesRunId: r.approvesRunId,
    revertedAt: iso(r.revertedAt),
  };
}
