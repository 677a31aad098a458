import { formatBytes, formatEta, type RunProgress as Progress } from "@/lib/runs/progress";
import styles from "@/app/_components/imports/imports.module.css";

/** Progress of an active run: a bar (indeterminate when the total is unknown) and what has been read. */
export function RunProgress({
  status,
  progress,
  label,
}: {
  status: "queued" | "running" | string;
  progress: Progress;
  label: string;
}) {
  if (status === "queued") {
    return (
      <div className={styles.progress}>
        <progress aria-label={label} />
        <span className={styles.progressText}>Waiting to start…</span>
      </div>
    );
  }
  const bits = [`${progress.rowsRead.toLocaleString("en-US")} rows`];
  if (progress.bytesTotal) bits.push(`${formatBytes(progress.bytesRead)} of ${formatBytes(progress.bytesTotal)}`);
  else if (progress.bytesRead) bits.push(formatBytes(progress.bytesRead));
  if (progress.percent !== null)
    bits.push(`${Math.floor(progress.percent)}%${progress.basis === "rows" ? " (estimated from the last run)" : ""}`);
  const eta = formatEta(progress.etaSeconds);
  if (eta) bits.push(eta);
  return (
    <div className={styles.progress}>
      {progress.percent !== null ? (
        <progress aria-label={label} max={100} value={progress.percent} />
      ) : (
        <progress aria-label={label} />
      )}
      <span className={styles.progressText}>{bits.join(" · ")}</span>
    </div>
  );
}
