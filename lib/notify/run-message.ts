import type { Run, RunError, Sync } from "@/db/schema";
import { env } from "@/lib/env";
import { runPath } from "@/lib/paths";

/** Run statuses that send the sync's error email. */
export const notifiedStatuses = ["failed", "blocked", "completed_with_errors"] as const;

const MAX_LISTED_ERRORS = 20;

export function runPageUrl(sync: Pick<Sync, "id" | "managerId">, runId: string): string {
  return env.APP_URL.replace(/\/+$/, "") + runPath(sync.managerId, sync.id, runId);
}

function headline(status: Run["status"]): string {
  switch (status) {
    case "failed":
      return "failed; no contact was changed";
    case "blocked":
      return "was blocked by the safety rule and needs approval";
    case "completed_with_errors":
      return "completed with row errors";
    default:
      return `finished (${status})`;
  }
}

/** Control characters and line separators become single spaces. */
function oneLine(text: string): string {
  return text.replace(/[\p{Cc}\u2028\u2029]+/gu, " ");
}

/**
 * Plain-text error email for a finished run. `errors` are the first row errors of the run (at most
 * MAX_LISTED_ERRORS are listed; the run page has all of them).
 */
export function buildRunMessage(input: {
  run: Run;
  sync: Pick<Sync, "id" | "managerId" | "name">;
  managerName: string;
  errors: Pick<RunError, "line" | "column" | "message">[];
}): { subject: string; body: string } {
  const { run, sync, managerName, errors } = input;
  // A header is one line: a line break in an import's name must not start another header (Bcc: …).
  const subject = `Contact Sync: import "${oneLine(sync.name)}" ${headline(run.status)}${run.warning && run.status === "succeeded" ? ", with a warning" : ""}`;
  const lines = [
    `The import "${sync.name}" into the Contact Manager "${managerName}" ${headline(run.status)}.`,
    "",
    `Status: ${run.status.replaceAll("_", " ")}`,
    `Trigger: ${run.trigger}`,
  ];
  if (run.finishedAt) lines.push(`Finished: ${run.finishedAt.toISOString()}`);
  if (run.sourceName) lines.push(`File: ${run.sourceName}`);
  if (run.message) lines.push(`Message: ${run.message}`);
  if (run.warning) lines.push(`Warning: ${run.warning}`);
  if (run.status === "blocked") {
    lines.push(
      "",
      `Would have changed: ${run.created} created, ${run.updated} updated, ${run.deleted} deleted.`,
      "Open the run page to review it and approve the run, or fix the source file.",
    );
  } else if (run.status !== "failed") {
    lines.push(
      `Counts: ${run.created} created, ${run.updated} updated, ${run.deleted} deleted, ${run.unchanged} unchanged.`,
    );
  }
  if (run.errorCount > 0) {
    lines.push("", `Row errors: ${run.errorCount}`);
    for (const e of errors.slice(0, MAX_LISTED_ERRORS)) {
      const where = [e.line != null ? `line ${e.line}` : null, e.column ? `column "${e.column}"` : null]
        .filter(Boolean)
        .join(", ");
      lines.push(`- ${where ? `${where}: ` : ""}${e.message}`);
    }
    if (run.errorCount > Math.min(errors.length, MAX_LISTED_ERRORS)) {
      lines.push(
        `… and ${run.errorCount - Math.min(errors.length, MAX_LISTED_ERRORS)} more (download them as CSV from the run page).`,
      );
    }
  }
  lines.push("", `Run page: ${runPageUrl(sync, run.id)}`);
  return { subject, body: lines.join("\n") };
}

export const maxListedErrors = MAX_LISTED_ERRORS;
