import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { failStaleRuns, STALE_RUN_MESSAGE } from "@/lib/schedule/claim";
import { runSync } from "@/lib/sync/run";
import { useDb } from "@/tests/support/db";
import {
  contactsCsv,
  contactsDigest,
  exportJson,
  newManager,
  runRow,
  sleep,
  syncFromSpec,
  tempDir,
} from "@/tests/integration/reliability/helpers";

const { db, sql } = useDb();
const repo = path.resolve(__dirname, "../../..");

/** Writes a big CSV without holding it in memory twice. */
function writeBigCsv(file: string, rows: number) {
  const fd = fs.openSync(file, "w");
  fs.writeSync(fd, "Email,First Name,Last Name\n");
  for (let start = 0; start < rows; start += 10_000) {
    let chunk = "";
    for (let i = start; i < Math.min(rows, start + 10_000); i++) chunk += `big${i}@example.test,Big ${i},Row ${i}\n`;
    fs.writeSync(fd, chunk);
  }
  fs.closeSync(fd);
}

describe("the app process killed during a run", { timeout: 150_000 }, () => {
  it("leaves contacts unchanged; stale-run detection marks the run failed; the next run succeeds", async () => {
    const dir = tempDir();
    const file = path.join(dir, "contacts.csv");
    fs.writeFileSync(file, contactsCsv(500));
    const m = await newManager(db);
    const sync = await syncFromSpec(db, m, {
      kind: "file",
      location: file,
      folderMode: "newest",
      allowPrivateHosts: false,
    });
    expect(await runSync({ syncId: sync.id, trigger: "manual" })).toMatchObject({ status: "succeeded", created: 500 });
    const digest = await contactsDigest(sql, m.id);
    const exported = await exportJson(db, sql, m.id);

    writeBigCsv(file, 300_000);
    // The bundled CLI is one process: the pid killed is the process doing the work.
    const child = spawn(process.execPath, ["scripts/cli.mjs", "sync", "run", sync.id, "--json"], {
      cwd: repo,
      env: { ...process.env, LOG_LEVEL: "error" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
      child.on("exit", (code, signal) => r({ code, signal })),
    );

    let run: { id: string; rows_read: number } | undefined;
    for (let i = 0; i < 600 && !run; i++) {
      [run] = await sql<{ id: string; rows_read: number }[]>`
        select id, rows_read::int as rows_read from runs where sync_id = ${sync.id} and status = 'running' and rows_read > 0`;
      if (!run) await sleep(100);
    }
    expect(run, `the child never reported progress: ${stderr}`).toBeDefined();
    child.kill("SIGKILL");
    expect(await exited).toEqual({ code: null, signal: "SIGKILL" });

    // Nothing of the half-read file was applied, and the orphan still looks active until it is found stale.
    expect(await contactsDigest(sql, m.id)).toEqual(digest);
    expect(await exportJson(db, sql, m.id)).toEqual(exported);
    expect(await runRow(sql, run!.id)).toMatchObject({ status: "running", finished: false });
    await expect(runSync({ syncId: sync.id, trigger: "manual" })).rejects.toMatchObject({
      code: "run_active",
      status: 409,
    });

    // Another instance's heartbeat with a short threshold finds it.
    let stale: { runId: string }[] = [];
    for (let i = 0; i < 100 && !stale.some((s) => s.runId === run!.id); i++) {
      await sleep(200);
      stale = await failStaleRuns(sql, 5);
    }
    expect(stale.map((s) => s.runId)).toContain(run!.id);
    expect(await runRow(sql, run!.id)).toMatchObject({ status: "failed", finished: true, message: STALE_RUN_MESSAGE });
    expect(await contactsDigest(sql, m.id)).toEqual(digest);

    fs.writeFileSync(file, contactsCsv(1000, " after"));
    const next = await runSync({ syncId: sync.id, trigger: "manual" });
    expect(next).toMatchObject({ status: "succeeded", created: 500, updated: 500 });
    const after = (await exportJson(db, sql, m.id)) as { fields: Record<string, string> }[];
    expect(after).toHaveLength(1000);
    expect(after.every((c) => c.fields["First Name"].endsWith(" after"))).toBe(true);
  });
});
