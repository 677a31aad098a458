import styles from "@/app/_components/imports/imports.module.css";

type Counts = { created: number; updated: number; deleted: number; unchanged: number; errorCount: number };

const n = (v: number) => v.toLocaleString("en-US");

/**
 * A run's counts as the run page and the review show them. `errors` names the row errors as the page means
 * them: rows a review says would be skipped, or a run's row errors.
 */
export function RunCounts({ run, errors, testId }: { run: Counts; errors: "skipped" | "errors"; testId?: string }) {
  const one = run.errorCount === 1;
  const errorWords =
    errors === "skipped" ? `${one ? "row" : "rows"} skipped (errors)` : one ? "row error" : "row errors";
  return (
    <ul className={styles.counts} data-testid={testId}>
      <li>
        <strong>{n(run.created)}</strong> created
      </li>
      <li>
        <strong>{n(run.updated)}</strong> updated
      </li>
      <li>
        <strong>{n(run.deleted)}</strong> deleted
      </li>
      <li>
        <strong>{n(run.unchanged)}</strong> unchanged
      </li>
      <li>
        <strong>{n(run.errorCount)}</strong> {errorWords}
      </li>
    </ul>
  );
}
