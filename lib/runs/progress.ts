import type { Run } from "@/db/schema";

export type RunProgress = {
  rowsRead: number;
  bytesRead: number;
  bytesTotal: number | null;
  /** 0-100, or null when nothing tells how much is left. */
  percent: number | null;
  /** What `percent` is measured in: bytes of the file, or rows against the previous run's row count. */
  basis: "bytes" | "rows" | null;
  /** Seconds left at the current pace, or null when unknown. */
  etaSeconds: number | null;
  /** Seconds since the run started (0 while queued). */
  elapsedSeconds: number;
};

/**
 * Progress of a run from its counters. Bytes against the size the server announced are the best measure;
 * without a size, the rows of the sync's previous run give an estimate (capped below 100 % — the file may
 * have grown).
 */
export function computeProgress(
  run: Pick<Run, "status" | "rowsRead" | "bytesRead" | "bytesTotal" | "startedAt" | "finishedAt">,
  opts: { now?: Date; previousRows?: number | null } = {},
): RunProgress {
  const now = opts.now ?? new Date();
  const end = run.finishedAt ?? now;
  const elapsedSeconds = run.startedAt ? Math.max(0, (end.getTime() - run.startedAt.getTime()) / 1000) : 0;
  const base: RunProgress = {
    rowsRead: run.rowsRead,
    bytesRead: run.bytesRead,
    bytesTotal: run.bytesTotal ?? null,
    percent: null,
    basis: null,
    etaSeconds: null,
    elapsedSeconds: Math.round(elapsedSeconds),
  };
  if (run.status !== "running" && run.status !== "queued") {
    return { ...base, percent: run.status === "skipped_unchanged" || run.startedAt ? 100 : null, basis: null };
  }
  if (run.status === "queued") return { ...base, percent: 0 };

  let done: number | null = null;
  let total: number | null = null;
  if (run.bytesTotal && run.bytesTotal > 0) {
    base.basis = "bytes";
    done = run.bytesRead;
    total = run.bytesTotal;
  } else if (opts.previousRows && opts.previousRows > 0) {
    base.basis = "rows";
    done = run.rowsRead;
    total = opts.previousRows;
  }
  if (done === null || total === null) return base;

  const fraction = Math.min(done / total, base.basis === "rows" ? 0.99 : 1);
  base.percent = Math.floor(fraction * 1000) / 10;
  // A pace needs a little history; before that an estimate would jump around.
  if (fraction > 0.01 && elapsedSeconds >= 1) {
    const rate = done / elapsedSeconds;
    base.etaSeconds = rate > 0 ? Math.max(0, Math.round((total - done) / rate)) : null;
  }
  return base;
}

/** "about 2 min left", "about 40 s left". */
export function formatEta(seconds: number | null): string | null {
  if (seconds === null) return null;
  if (seconds < 60) return `about ${Math.max(1, seconds)} s left`;
  // Rounded once, then split: 7,199 s is "2 h 0 min", never "1 h 60 min".
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `about ${minutes} min left`;
  return `about ${Math.floor(minutes / 60)} h ${minutes % 60} min left`;
}

/** "12.3 MB" in decimal units. */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let v = n / 1000;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
