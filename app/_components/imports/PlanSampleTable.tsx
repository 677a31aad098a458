import type { PlanSample } from "@/db/schema";
import styles from "@/app/_components/imports/imports.module.css";

/**
 * A blocked or dry run's plan sample: the first contacts (by key) it would delete, and those it would update
 * with each changed field's old and new value; the full lists download as CSV.
 */
export function PlanSampleTable({
  sample,
  deleted,
  updated,
  deletedCsv,
  updatedCsv,
}: {
  sample: PlanSample;
  deleted: number;
  updated: number;
  /** The full lists as CSV downloads. */
  deletedCsv: string;
  updatedCsv: string;
}) {
  const empty = (v: string) => (v === "" ? <span className="muted">(empty)</span> : v);
  return (
    <section className={styles.panel} aria-labelledby="plan-heading">
      <h2 id="plan-heading">What this run would change</h2>
      <h3 id="plan-deleted-heading">
        Would delete {deleted.toLocaleString("en-US")} contact{deleted === 1 ? "" : "s"}
      </h3>
      {sample.deleted.length ? (
        <>
          {deleted > sample.deleted.length && <p className="hint">The first {sample.deleted.length} by key:</p>}
          <ul className="plan-deleted" aria-labelledby="plan-deleted-heading">
            {sample.deleted.map((key) => (
              <li key={key}>{key}</li>
            ))}
          </ul>
          <p>
            <a href={deletedCsv} download>
              Download all {deleted.toLocaleString("en-US")} as CSV
            </a>
          </p>
        </>
      ) : (
        <p className="muted">None.</p>
      )}
      <h3 id="plan-updated-heading">
        Would update {updated.toLocaleString("en-US")} contact{updated === 1 ? "" : "s"}
      </h3>
      {sample.updated.length ? (
        <>
          {updated > sample.updated.length && <p className="hint">The first {sample.updated.length} by key:</p>}
          <div className="table-wrap">
            <table className="table responsive" aria-labelledby="plan-updated-heading">
              <thead>
                <tr>
                  <th scope="col">Key</th>
                  <th scope="col">Field</th>
                  <th scope="col">Now</th>
                  <th scope="col">Would become</th>
                </tr>
              </thead>
              <tbody>
                {sample.updated.flatMap((u) =>
                  Object.entries(u.changes)
                    .sort(([a], [b]) => a.localeCompare(b))
                    .map(([field, [from, to]]) => (
                      <tr key={`${u.key}\u0000${field}`}>
                        <td data-label="Key">{u.key}</td>
                        <td data-label="Field">{field}</td>
                        <td data-label="Now">{empty(from)}</td>
                        <td data-label="Would become">{empty(to)}</td>
                      </tr>
                    )),
                )}
              </tbody>
            </table>
          </div>
          <p>
            <a href={updatedCsv} download>
              Download all {updated.toLocaleString("en-US")} as CSV
            </a>
          </p>
        </>
      ) : (
        <p className="muted">None.</p>
      )}
    </section>
  );
}
