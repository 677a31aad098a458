/**
 * Engine benchmark (issue 7): `npm run bench -- [--rows N] [--seed S] [--repeat K]`. Prints one JSON line per scenario:
 * {scenario, rows, seconds, rows_per_s, ratio_to_floor, peak_rss_mb}. The CSV (csv.ts) has 8 columns (email = key, first
 * and last name, a language tag, a quoted department holding a comma, phone, city, a number); rows are reproducible by --seed.
 *  a) copy_floor     COPY of the same rows into a bare table of the contacts' shape with its unique index
 *  b) first_import   runSync of a fresh manager from a local CSV file
 *  c) resync         5% changed, 1% removed, 1% added, with update + delete-missing
 *  d) unchanged      the same file again (skipped by fingerprint)
 *  e) peak_rss       the highest peak RSS of the importing processes: each import (b, c, d) runs in a process
 *                    of its own (import-once.ts), timed inside it, so file generation and the floor do not count
 * Every timed scenario starts after a CHECKPOINT (not timed): otherwise the checkpoint that the previous
 * scenario's writes call for (a million rows fill max_wal_size) lands in the middle of the next one, and which
 * scenario pays for it varies from run to run.
 * Even so the floor itself varies by half on this shared machine (9–15 s at 1M rows): --repeat K runs K rounds
 * (each line gets its `round`), then prints per scenario the median of the rounds (`median_of`: K).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { once } from "node:events";
import { spawn } from "node:child_process";
import { parseArgs } from "node:util";
import { closeDb, getDb, getSql } from "@/db/client";
import { syncs } from "@/db/schema";
import { createManager, deleteManager } from "@/lib/managers/queries";
import type { RunSummary } from "@/lib/sync/run";
import { copyValue } from "@/lib/sync/encode";
import { benchPeople, COLUMNS, EXTRA_FIELDS, values, writeFile } from "./csv";

const { values: args } = parseArgs({ options: { rows: { type: "string" }, seed: { type: "string" }, repeat: { type: "string" } } });
const N = Number(args.rows ?? 1_000_000);
const REPEAT = Number(args.repeat ?? 1);
if (!Number.isInteger(REPEAT) || REPEAT < 1) throw new Error("--repeat must be a whole number ≥ 1.");
const person = benchPeople(Number(args.seed ?? 1));
let floorSeconds = 0;
let importPeakMb = 0;

type Line = { scenario: string; rows: number; seconds: number; rows_per_s: number | null; ratio_to_floor: number | null; peak_rss_mb: number };
/** Every round's lines, for the medians printed after the last of several rounds. */
const rounds: Line[] = [];
let round = 1;

function emit(scenario: string, rows: number, seconds: number, peakMb: number) {
  const line: Line = {
    scenario,
    rows,
    seconds: Math.round(seconds * 1000) / 1000,
    rows_per_s: seconds > 0 ? Math.round(rows / seconds) : null,
    ratio_to_floor: floorSeconds > 0 ? Math.round((seconds / floorSeconds) * 100) / 100 : null,
    peak_rss_mb: peakMb,
  };
  rounds.push(line);
  process.stdout.write(JSON.stringify(REPEAT > 1 ? { ...line, round } : line) + "\n");
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * After several rounds: per scenario, the median time and the median of the rounds' ratios (each round's
 * ratio is to that round's own floor, measured beside it), and the highest peak RSS of all rounds.
 */
function emitMedians() {
  for (const scenario of [...new Set(rounds.map((l) => l.scenario))]) {
    const lines = rounds.filter((l) => l.scenario === scenario);
    const seconds = median(lines.map((l) => l.seconds));
    const ratios = lines.map((l) => l.ratio_to_floor).filter((r): r is number => r !== null);
    const line = {
      scenario,
      rows: lines[0].rows,
      seconds: Math.round(seconds * 1000) / 1000,
      rows_per_s: seconds > 0 ? Math.round(lines[0].rows / seconds) : null,
      ratio_to_floor: ratios.length ? Math.round(median(ratios) * 100) / 100 : null,
      peak_rss_mb: Math.max(...lines.map((l) => l.peak_rss_mb)),
      median_of: lines.length,
    };
    process.stdout.write(JSON.stringify(line) + "\n");
  }
}

let checkpointRefused = false;
/** Flush what earlier scenarios wrote, so that no scenario pays for another's checkpoint. */
async function settle(): Promise<void> {
  if (checkpointRefused) return;
  try {
    await getSql()`checkpoint`;
  } catch (e) {
    checkpointRefused = true;
    console.error(`bench: CHECKPOINT refused (${e instanceof Error ? e.message : String(e)}); scenarios may pay for each other's checkpoints`);
  }
}

/** (a) The floor: the same rows, as the import stores them (`data` keyed by the manager's field ids), COPYed into a bare table. */
async function copyFloor(fieldIds: string[]): Promise<void> {
  const sql = getSql();
  const table = `bench_floor_${process.pid}`;
  await sql.unsafe(`drop table if exists ${table}`);
  await sql.unsafe(`create table ${table} (id bigserial primary key, manager_id uuid not null, key text not null, key_norm text not null,
    data jsonb not null, password_hash text, password_mac text, row_hash text not null)`);
  await sql.unsafe(`create unique index on ${table} (manager_id, key_norm)`);
  const manager = "00000000-0000-0000-0000-000000000001";
  await settle();
  const started = performance.now();
  const stream = await sql.unsafe(`copy ${table} (manager_id, key, key_norm, data, row_hash) from stdin`).writable();
  let buf = "";
  for (let i = 0; i < N; i++) {
    const p = person(i);
    const row = values(p);
    const data: Record<string, string> = {};
    fieldIds.forEach((id, k) => (data[id] = row[k]));
    buf += `${manager}\t${row[0]}\t${row[0]}\t${copyValue(JSON.stringify(data))}\t${i.toString(36).padStart(28, "0")}\n`;
    if (buf.length > 256 * 1024) {
      // As the engine does (stage.ts): up to 4 MiB queued, so generating and storing rows overlap.
      stream.write(buf);
      if (stream.writableLength > 4 * 1024 * 1024) await once(stream, "drain");
      buf = "";
    }
  }
  stream.end(buf);
  await once(stream, "finish");
  floorSeconds = (performance.now() - started) / 1000;
  emit("copy_floor", N, floorSeconds, Math.round(process.resourceUsage().maxRSS / 1024));
  await sql.unsafe(`drop table ${table}`);
}

/** Run one import in a child process (import-once.ts); its stdout's last line is its result. */
function importOnce(syncId: string): Promise<{ seconds: number; peak_rss_mb: number; summary: RunSummary }> {
  return new Promise((resolve, reject) => {
    // BENCH_CPU_PROF=<dir>: a CPU profile of each import process (Chrome DevTools format) lands in <dir>.
    const profile = process.env.BENCH_CPU_PROF ? ["--cpu-prof", "--cpu-prof-dir", process.env.BENCH_CPU_PROF] : [];
    const child = spawn(process.execPath, [...profile, "--import", "tsx", path.join(import.meta.dirname, "import-once.ts"), syncId], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`import process exited with ${code}`));
      const result = JSON.parse(out.trim().split("\n").pop()!);
      importPeakMb = Math.max(importPeakMb, result.peak_rss_mb);
      resolve(result);
    });
  });
}

/** One round: the floor, then a fresh manager through (b), (c), (d). */
async function benchRound() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-"));
  const file = path.join(dir, "contacts.csv");
  const db = getDb();
  const manager = await createManager(db, { name: `bench-${Date.now()}`, fields: EXTRA_FIELDS });
  const f = (label: string) => manager.fields.find((x) => x.label === label)!.id;
  await copyFloor(COLUMNS.map(f));

  await writeFile(file, (function* () {
    for (let i = 0; i < N; i++) yield person(i);
  })());
  const [sync] = await db
    .insert(syncs)
    .values({
      managerId: manager.id,
      name: "bench",
      state: "active",
      sourceKind: "file",
      location: file,
      updateExisting: true,
      deleteMissing: true,
      safetyThresholdPct: 100,
      mapping: {
        keyColumn: "Email",
        autoKey: false,
        columns: COLUMNS.map((c) => ({ column: c, fieldId: f(c) })),
      },
    })
    .returning();
  try {
    await settle();
    const first = await importOnce(sync.id);
    if (first.summary.status !== "succeeded" || first.summary.created !== N) throw new Error(`first import: ${JSON.stringify(first).slice(0, 500)}`);
    emit("first_import", N, first.seconds, first.peak_rss_mb);

    const changed = Math.floor(N * 0.05);
    const removed = Math.floor(N * 0.01);
    const added = Math.floor(N * 0.01);
    await writeFile(file, (function* () {
      for (let i = removed; i < N; i++) {
        const p = person(i);
        yield i < removed + changed ? { ...p, score: p.score + 1 } : p;
      }
      for (let i = 0; i < added; i++) yield person(N + i);
    })());
    await settle();
    const second = await importOnce(sync.id);
    const s2 = second.summary;
    if (s2.status !== "succeeded" || s2.updated !== changed || s2.deleted !== removed || s2.created !== added)
      throw new Error(`re-sync: ${JSON.stringify(second).slice(0, 500)}`);
    emit("resync", N - removed + added, second.seconds, second.peak_rss_mb);

    await settle();
    const third = await importOnce(sync.id);
    if (third.summary.status !== "skipped_unchanged") throw new Error(`unchanged: ${third.summary.status}`);
    emit("unchanged", N - removed + added, third.seconds, third.peak_rss_mb);
    emit("peak_rss", N, 0, importPeakMb);
  } finally {
    await deleteManager(db, manager.id);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  try {
    for (round = 1; round <= REPEAT; round++) {
      importPeakMb = 0;
      await benchRound();
    }
    if (REPEAT > 1) emitMedians();
  } finally {
    await closeDb();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
