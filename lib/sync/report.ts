import type postgres from "postgres";
import type { Fingerprint, PlanSample, RunStatus } from "@/db/schema";
import { detach } from "@/lib/sync/detach";
import type { RowError } from "@/lib/sync/validate";

type Q = postgres.Sql;

/** Row errors kept per run; the total is in runs.error_count. */
export const MAX_STORED_ERRORS = 10_000;

/** What `runSync` returns, and what the CLI prints with --json. */
export type RunSummary = {
  runId: string;
  status: RunStatus;
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
  errors: { line: number | null; column: string | null; message: string }[];
  message: string;
  /** Content SHA-256 of the file read; for SFTP the server's host key fingerprint (to pin it). */
  fingerprint: string | null;
  /** Blocked and dry runs: who the plan would delete and update (the first 100 of each, by key). */
  plan?: PlanSample;
};

export type RunOutcome = {
  status: Exclude<RunStatus, "queued" | "running">;
  counts: { created: number; updated: number; deleted: number; unchanged: number };
  errors: RowError[];
  errorTotal: number;
  message: string;
  fingerprint: Fingerprint | null;
  sourceName: string | null;
  rowsRead: number;
  bytesRead: number;
  summaryFingerprint: string | null;
  planSample?: PlanSample | null;
};

export const zeroCounts = () => ({ created: 0, updated: 0, deleted: 0, unchanged: 0 });

/**
 * The one way a run's outcome is built: a status and its message, with whatever the run got to (counts, row
 * errors, the file's fingerprint and name, how much it read); the rest is zero or unknown.
 */
export function runOutcome(
  status: RunOutcome["status"],
  message: string,
  parts: Partial<Omit<RunOutcome, "status" | "message">> = {},
): RunOutcome {
  return {
    status,
    message,
    counts: parts.counts ?? zeroCounts(),
    errors: parts.errors ?? [],
    errorTotal: parts.errorTotal ?? 0,
    fingerprint: parts.fingerprint ?? null,
    sourceName: parts.sourceName ?? null,
    rowsRead: parts.rowsRead ?? 0,
    bytesRead: parts.bytesRead ?? 0,
    summaryFingerprint: parts.summaryFingerprint ?? null,
  };
}

/** The fingerprint a summary shows: SFTP's host key (to pin it), else the content SHA-256 of the file read. */
export function summaryFingerprintOf(
  kind: string,
  hostKey: string | null | undefined,
  fingerprint: Fingerprint | null,
): string | null {
  return kind === "sftp" ? (hostKey ?? null) : (fingerprint?.sha256 ?? null);
}

/** Errors are collected in line order; only the first MAX_STORED_ERRORS are kept, all are counted. */
export class ErrorCollector {
  readonly kept: RowError[] = [];
  total = 0;
  add(errors: RowError[]): void {
    for (const e of errors) {
      this.total++;
      if (this.kept.length < MAX_STORED_ERRORS)
        this.kept.push({
          line: e.line,
          column: e.column === null ? null : detach(e.column),
          message: detach(e.message),
        });
    }
  }
  /** Merge errors found later (e.g. duplicates, found in SQL) keeping line order and the cap. */
  merge(errors: RowError[], total: number): void {
    const all = [...this.kept, ...errors].sort((a, b) => a.line - b.line);
    this.kept.length = 0;
    this.kept.push(...all.slice(0, MAX_STORED_ERRORS));
    this.total += total;
  }
}

/** queued → running; false when the run was not queued (already taken, or finished). */
export async function claimRun(sql: Q, runId: string): Promise<boolean> {
  const res = await sql`
    update runs set status = 'running', started_at = now(), heartbeat_at = now()
    where id = ${runId} and status = 'queued' returning id`;
  return res.length === 1;
}

export async function recordProgress(
  sql: Q,
  runId: string,
  p: { rowsRead: number; bytesRead: number; bytesTotal: number | null },
): Promise<void> {
  await sql`
    update runs set rows_read = greatest(rows_read, ${p.rowsRead}), bytes_read = greatest(bytes_read, ${p.bytesRead}),
      bytes_total = ${p.bytesTotal}, heartbeat_at = now()
    where id = ${runId} and status = 'running'`;
}

/**
 * Final state of a run, with its (capped) row errors. Called inside the apply transaction when it commits, so
 * the time is the clock's, not now() (the transaction's start): finished_at then orders the runs of a manager
 * as they applied, one after the other under the manager's lock (revert.ts relies on it).
 */
export async function finishRun(sql: Q, runId: string, o: RunOutcome): Promise<void> {
  await sql`
    update runs set status = ${o.status}, created = ${o.counts.created}, updated = ${o.counts.updated},
      deleted = ${o.counts.deleted}, unchanged = ${o.counts.unchanged}, error_count = ${o.errorTotal},
      message = ${o.message}, fingerprint = ${o.fingerprint ? sql.json(o.fingerprint as postgres.JSONValue) : null},
      source_name = ${o.sourceName}, plan_sample = ${o.planSample ? sql.json(o.planSample as unknown as postgres.JSONValue) : null},
      rows_read = ${o.rowsRead}, bytes_read = ${o.bytesRead},
      finished_at = clock_timestamp(), heartbeat_at = clock_timestamp()
    where id = ${runId}`;
  const errors = o.errors.slice(0, MAX_STORED_ERRORS);
  for (let i = 0; i < errors.length; i += 1000) {
    const part = errors.slice(i, i + 1000);
    await sql`
      insert into run_errors (run_id, line, "column", message)
      select ${runId}, * from unnest(${part.map((e) => e.line)}::int[], ${part.map((e) => e.column)}::text[], ${part.map((e) => e.message)}::text[])`;
  }
}

export function toSummary(runId: string, o: RunOutcome): RunSummary {
  return {
    runId,
    status: o.status,
    ...o.counts,
    errors: o.errors.map((e) => ({ line: e.line, column: e.column, message: e.message })),
    message: o.message,
    fingerprint: o.summaryFingerprint,
    ...(o.planSample ? { plan: o.planSample } : {}),
  };
}

/** The human summary line stored as the run's message. */
export function describe(o: {
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
  errorTotal: number;
  /** Rows left out for their errors (a row may have several); defaults to errorTotal. */
  skippedRows?: number;
  notUpdated?: number;
  dryRun?: boolean;
}): string {
  const parts = [`${o.created} created`, `${o.updated} updated`, `${o.deleted} deleted`, `${o.unchanged} unchanged`];
  let text = (o.dryRun ? "Dry run (nothing was changed): " : "") + parts.join(", ");
  if (o.errorTotal > 0) {
    const rows = o.skippedRows ?? o.errorTotal;
    const errors = `${o.errorTotal} row error${o.errorTotal === 1 ? "" : "s"}`;
    text +=
      rows === o.errorTotal
        ? `; ${errors} (${rows === 1 ? "row" : "rows"} skipped)`
        : `; ${errors} in ${rows} row${rows === 1 ? "" : "s"} (skipped)`;
  }
  if (o.notUpdated)
    text += `; ${o.notUpdated} changed row${o.notUpdated === 1 ? " was" : "s were"} not updated because "update existing contacts" is off`;
  return text + ".";
}
