import { describe, expect, it } from "vitest";
import { computeProgress, formatBytes, formatEta } from "@/lib/runs/progress";

const now = new Date("2026-01-01T12:00:00Z");
const startedAgo = (s: number) => new Date(now.getTime() - s * 1000);
const running = {
  status: "running" as const,
  rowsRead: 0,
  bytesRead: 0,
  bytesTotal: null as number | null,
  startedAt: startedAgo(10),
  finishedAt: null,
};

describe("run progress", () => {
  it("measures bytes against the announced size, with an estimate at the current pace", () => {
    const p = computeProgress({ ...running, rowsRead: 4000, bytesRead: 2_500_000, bytesTotal: 10_000_000 }, { now });
    expect(p).toMatchObject({ percent: 25, basis: "bytes", etaSeconds: 30, elapsedSeconds: 10, rowsRead: 4000 });
  });

  it("falls back to the previous run's rows, never claiming 100 %", () => {
    expect(computeProgress({ ...running, rowsRead: 500 }, { now, previousRows: 1000 })).toMatchObject({
      percent: 50,
      basis: "rows",
      etaSeconds: 10,
    });
    expect(computeProgress({ ...running, rowsRead: 5000 }, { now, previousRows: 1000 }).percent).toBe(99);
  });

  it("has no percent or estimate when nothing tells the total, nor an estimate too early", () => {
    expect(computeProgress({ ...running, rowsRead: 500 }, { now })).toMatchObject({
      percent: null,
      basis: null,
      etaSeconds: null,
    });
    expect(
      computeProgress({ ...running, bytesRead: 10, bytesTotal: 10_000, startedAt: startedAgo(0.5) }, { now })
        .etaSeconds,
    ).toBeNull();
    expect(computeProgress({ ...running, status: "queued", startedAt: null }, { now })).toMatchObject({
      percent: 0,
      elapsedSeconds: 0,
    });
  });

  it("formats estimates and sizes for people", () => {
    expect(formatEta(null)).toBeNull();
    expect(formatEta(0)).toBe("about 1 s left");
    expect(formatEta(42)).toBe("about 42 s left");
    expect(formatEta(150)).toBe("about 3 min left");
    expect(formatEta(3900)).toBe("about 1 h 5 min left");
    expect(formatBytes(999)).toBe("999 B");
    expect(formatBytes(2_500_000)).toBe("2.5 MB");
    expect(formatBytes(512_000_000)).toBe("512 MB");
  });
});
