import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";

const { seen } = vi.hoisted(() => ({
  seen: [] as { rowsRead: number; bytesRead: number; bytesTotal: number | null; at: string }[],
}));
vi.mock("@/lib/sync/report", async (orig) => {
  const real = await orig<typeof import("@/lib/sync/report")>();
  return {
    ...real,
    // What the run page shows: the progress as stored after each update, not the engine's own counters.
    recordProgress: async (
      sql: Parameters<typeof real.recordProgress>[0],
      runId: string,
      p: Parameters<typeof real.recordProgress>[2],
    ) => {
      // Ticks overlap (they are not awaited one after the other): the database's clock orders the reads.
      await real.recordProgress(sql, runId, p);
      const [row] = await sql<{ rows_read: number; bytes_read: number; at: string }[]>`
        select rows_read::int, bytes_read::int, clock_timestamp()::text as at from runs where id = ${runId}`;
      if (row) seen.push({ rowsRead: row.rows_read, bytesRead: row.bytes_read, bytesTotal: p.bytesTotal, at: row.at });
    },
  };
});

import { useDb } from "@/tests/support/db";
import { makeManager, makeSync } from "@/tests/integration/runs/fixtures";
import { runSync } from "@/lib/sync/run";
import { computeProgress } from "@/lib/runs/progress";

const { db } = useDb();
let dir = "";
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("progress of a first import whose file repeats a key", () => {
  it("never goes backwards", async () => {
    // The engine's progress ticker writes every second; tick faster so that both reads of the file are sampled.
    const realSetInterval = globalThis.setInterval;
    vi.spyOn(globalThis, "setInterval").mockImplementation(((fn: () => void, ms?: number) =>
      realSetInterval(fn, ms === 1000 ? 5 : ms)) as typeof setInterval);

    dir = await mkdtemp(path.join(tmpdir(), "review-progress-"));
    const manager = await makeManager(db); // empty: the first import takes the direct path
    const email = manager.fields.find((f) => f.role === "email")!.id;
    const mapping = { keyColumn: "Email", autoKey: false, columns: [{ column: "Email", fieldId: email }] };
    const file = path.join(dir, "c.csv");
    const n = 100_000;
    const rows = Array.from({ length: n }, (_, i) => `p${i}@x.test`);
    rows.push("p0@x.test"); // a valid duplicate at the very end: the unique index refuses it after the whole file was read
    await writeFile(file, "Email\n" + rows.join("\n") + "\n");
    const sync = await makeSync(db, manager.id, { sourceKind: "file", location: file, mapping });

    const result = await runSync({ syncId: sync.id, trigger: "manual" });
    expect(result).toMatchObject({ status: "completed_with_errors", created: n });

    seen.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    const percents = seen.map(
      (p) =>
        computeProgress({ status: "running", ...p, startedAt: new Date(Date.now() - 10_000), finishedAt: null })
          .percent ?? -1,
    );
    let maxSoFar = -1;
    const drops: string[] = [];
    seen.forEach((p, i) => {
      if (percents[i] < maxSoFar)
        drops.push(`sample ${i}: ${percents[i]}% (${p.rowsRead} rows, ${p.bytesRead} B) after ${maxSoFar}%`);
      maxSoFar = Math.max(maxSoFar, percents[i]);
    });
    console.log(`${seen.length} samples; first drop:`, drops[0]);
    expect(drops).toEqual([]);
  });
});
