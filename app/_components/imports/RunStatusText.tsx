import { statusLabels } from "@/app/_components/imports/format";
import styles from "@/app/_components/imports/imports.module.css";

const tones: Record<string, "ok" | "warn" | "error" | "muted"> = {
  succeeded: "ok",
  skipped_unchanged: "ok",
  completed_with_errors: "warn",
  blocked: "warn",
  failed: "error",
  queued: "muted",
  running: "muted",
};

/** A run's status in words, with the same mark as the imports list (✓ or !). */
export function RunStatusText({ status, reverted }: { status: string; reverted?: boolean }) {
  const tone = tones[status] ?? "muted";
  const icon = tone === "ok" ? "✓" : tone === "muted" ? "…" : "!";
  return (
    <span className={styles.runStatus} data-tone={tone} data-run-status={status}>
      <span className={styles.markIcon} aria-hidden="true">
        {icon}
      </span>
      <span>
        {statusLabels[status] ?? status}
        {reverted ? " · reverted" : ""}
      </span>
    </span>
  );
}
